using System.Collections.Concurrent;

namespace Deckhand.V0.Conversations;

/// <summary>
/// What the app server is doing to V0 conversations right now (in memory): the start task of a conversation being
/// started, or a resume of its sandbox in flight. Both make the conversation <c>STARTING</c>. After a restart nothing is
/// in flight: interrupted start tasks end in <c>ERROR</c> and the status comes from the sandbox alone.
/// </summary>
public sealed class V0Lifecycle
{
    private readonly ConcurrentDictionary<Guid, string> _startTasks = new();
    private readonly ConcurrentDictionary<Guid, Task> _resumes = new();
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _starts = new();

    /// <summary>A token the start flow of <paramref name="conversationId"/> watches; <see cref="Abandon"/> cancels it.</summary>
    public CancellationToken StartToken(Guid conversationId)
    {
        var source = new CancellationTokenSource();
        if (_starts.TryGetValue(conversationId, out var previous))
            previous.Dispose();
        _starts[conversationId] = source;
        return source.Token;
    }

    /// <summary>The conversation was deleted: a start still running for it undoes itself.</summary>
    public void Abandon(Guid conversationId)
    {
        if (_starts.TryRemove(conversationId, out var source))
            source.Cancel();
    }

    public void Started(Guid conversationId, string taskId) => _startTasks[conversationId] = taskId;

    public string? StartTaskOf(Guid conversationId) => _startTasks.GetValueOrDefault(conversationId);

    public void Resuming(Guid conversationId, Task resume) => _resumes[conversationId] = resume;

    public bool IsResuming(Guid conversationId) => _resumes.TryGetValue(conversationId, out var resume) && !resume.IsCompleted;

    public void Forget(Guid conversationId)
    {
        _startTasks.TryRemove(conversationId, out _);
        _resumes.TryRemove(conversationId, out _);
    }
}
