using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Tests.Llm.PromptTools;

/// <summary>Tool declarations shaped like the agent's, and a chat client that records requests and answers from a script.</summary>
internal static class PromptToolFixtures
{
    public static AIFunctionDeclaration Terminal { get; } = Declare("terminal", "Run a shell command.", """
        {"type":"object","properties":{
          "command":{"type":"string","description":"The command to run."},
          "timeout":{"type":"integer","description":"Seconds to wait."},
          "is_input":{"type":"boolean"},
          "security_risk":{"type":"string","enum":["LOW","MEDIUM","HIGH"]}},
         "required":["command"]}
        """);

    public static AIFunctionDeclaration Editor { get; } = Declare("file_editor", "View and edit files.", """
        {"type":"object","properties":{
          "command":{"type":"string","enum":["view","create","str_replace"]},
          "path":{"type":"string"},
          "file_text":{"type":"string"},
          "view_range":{"type":"array","items":{"type":"integer"}},
          "ratio":{"type":["number","null"]},
          "options":{"type":"object"}},
         "required":["command","path"]}
        """);

    public static IReadOnlyList<AIFunctionDeclaration> Tools { get; } = [Terminal, Editor];

    private static AIFunctionDeclaration Declare(string name, string description, string schema)
    {
        using var doc = JsonDocument.Parse(schema);
        return AIFunctionFactory.CreateDeclaration(name, description, doc.RootElement.Clone());
    }
}

internal sealed class RecordingChatClient(params string[] replies) : IChatClient
{
    private int _next;

    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Requests { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Requests.Add(([.. messages], options));
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, replies[_next++])) { ResponseId = "resp-1" });
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
