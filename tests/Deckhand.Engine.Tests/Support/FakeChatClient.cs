using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Llm;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Tests.Support;

/// <summary>
/// A chat client that answers every call with a <c>finish</c> tool call (arguments raw in
/// <see cref="AIContent.RawRepresentation"/>, as the OpenAI mapper carries them). While <see cref="Hold"/> is set, calls wait
/// until it is released, so a test can look at a conversation mid-run.
/// </summary>
internal sealed class FakeChatClient : IChatClient, ILlmClientFactory
{
    private readonly Lock _lock = new();
    private readonly List<IReadOnlyList<ChatMessage>> _calls = [];
    private readonly TaskCompletionSource _firstCall = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _callCount;

    /// <summary>When set, each call waits for this task before answering.</summary>
    public TaskCompletionSource? Hold { get; set; }

    public string FinishMessage { get; set; } = "done";

    public Task FirstCall => _firstCall.Task;

    public IReadOnlyList<IReadOnlyList<ChatMessage>> Calls
    {
        get
        {
            lock (_lock)
                return [.. _calls];
        }
    }

    public IChatClient Create(LlmConfig config) => this;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        lock (_lock)
            _calls.Add([.. messages]);
        var callId = $"call_fake_{Interlocked.Increment(ref _callCount)}";
        _firstCall.TrySetResult();
        if (Hold is { } hold)
            await hold.Task.WaitAsync(cancellationToken);
        var raw = $$"""{"message":"{{FinishMessage}}"}""";
        var call = new FunctionCallContent(callId, "finish", new Dictionary<string, object?> { ["message"] = FinishMessage })
        {
            RawRepresentation = raw,
        };
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, [call]))
        {
            ResponseId = "resp-fake",
            FinishReason = ChatFinishReason.ToolCalls,
            Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 2 },
        };
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) => throw new NotSupportedException("The agent does not stream in these tests.");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    // The conversation's agent disposes its client on unload; this fake is shared and outlives them.
    public void Dispose()
    {
    }
}
