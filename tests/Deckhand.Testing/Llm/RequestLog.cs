namespace Deckhand.Testing.Llm;

/// <summary>Thread-safe list of recorded requests, with waiters for requests that have not arrived yet.</summary>
internal sealed class RequestLog
{
    private readonly Lock _gate = new();
    private readonly List<ScriptedRequest> _requests = [];
    private readonly Dictionary<int, TaskCompletionSource<ScriptedRequest>> _waiters = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _requests.Count;
            }
        }
    }

    public IReadOnlyList<ScriptedRequest> Snapshot()
    {
        lock (_gate)
        {
            return [.. _requests];
        }
    }

    /// <summary>Records <paramref name="request"/> and assigns its <see cref="ScriptedRequest.Index"/>.</summary>
    public void Add(ScriptedRequest request)
    {
        TaskCompletionSource<ScriptedRequest>? waiter;
        lock (_gate)
        {
            request.Index = _requests.Count;
            _requests.Add(request);
            _waiters.Remove(request.Index, out waiter);
        }

        waiter?.TrySetResult(request);
    }

    public async Task<ScriptedRequest> WaitForAsync(int index, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        TaskCompletionSource<ScriptedRequest> waiter;
        lock (_gate)
        {
            if (index < _requests.Count)
            {
                return _requests[index];
            }

            if (!_waiters.TryGetValue(index, out waiter!))
            {
                waiter = new TaskCompletionSource<ScriptedRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters[index] = waiter;
            }
        }

        try
        {
            return await waiter.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"Scripted LLM server: request #{index} did not arrive within {timeout.TotalMilliseconds:0} ms ({Count} received).");
        }
    }
}
