using Deckhand.Contracts.Events;
using Deckhand.Engine.Agent.Condensers;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiTextContent = Microsoft.Extensions.AI.TextContent;

namespace Deckhand.Engine.Agent;

/// <summary>
/// <c>ask_agent</c>: a question about the conversation, answered by the agent's model from the same view a step would
/// send, without touching the conversation. Nothing is recorded: no event, no state change, and the call's usage is not
/// added to the conversation's stats (that would be a state change). The tools are declared so a history with tool
/// calls stays valid for the provider; the model is told not to call them, and if it does its text (or a note) is the answer.
/// </summary>
internal static class AskAgent
{
    public const string NoTextAnswer =
        "The model replied with a tool call instead of an answer, and ask_agent never runs tools. Ask again, or rephrase the question.";

    public static string Prompt(string question) => $"""
        A side question about the work in this conversation. Answer it from what has happened so far.
        Do not call any tool and do not continue the task: reply with text only.

        Question: {question}
        """;

    public static async Task<string> AskAsync(AgentRuntime agent, IReadOnlyList<Event> history, string question, CancellationToken cancellationToken)
    {
        var view = CondensedView.From(history);
        var messages = new List<AiChatMessage>(MessageBuilder.BuildOnce(view.Events));
        var prompt = new AiTextContent(Prompt(question));
        // Providers that want alternating turns get one user turn, not two in a row.
        if (messages.Count > 0 && messages[^1].Role == ChatRole.User)
            messages[^1] = new AiChatMessage(ChatRole.User, [.. messages[^1].Contents, prompt]);
        else
            messages.Add(new AiChatMessage(ChatRole.User, [prompt]));
        var config = agent.LlmConfig;
        var options = new ChatOptions
        {
            Tools = agent.ToolDeclarations(),
            MaxOutputTokens = config.MaxOutputTokens,
            Temperature = (float?)config.Temperature,
            TopP = (float?)config.TopP,
            Seed = config.Seed,
        };
        var response = await agent.Llm.GetResponseAsync(messages, options, cancellationToken);
        var text = response.Text.Trim();
        return text.Length > 0 ? text : NoTextAnswer;
    }
}
