namespace Deckhand.Engine.Llm.PromptTools;

/// <summary>
/// Set as <see cref="Microsoft.Extensions.AI.FunctionCallContent.Exception"/> on a prompt-based call that could not
/// be read. Its message is written for the model, which reads it as the result of the call.
/// </summary>
public sealed class MalformedToolCallException(string message) : Exception(message);
