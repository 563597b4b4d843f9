using System.Diagnostics;
using Deckhand.Client;

namespace Deckhand.Bench;

/// <summary>Reads an events socket in the background, counting frames and noting when chosen markers first appear.</summary>
internal sealed class SocketReader : IAsyncDisposable
{
    /// <summary>Marks the finish tool's observation. The bare type name is not enough: the full-state frame names
    /// <c>FinishObservation</c> in the finish tool's definition.</summary>
    public const string FinishMarker = "\"kind\":\"FinishObservation\"";

    private readonly EventSocket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<long> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reading;
    private int _frames;

    private SocketReader(EventSocket socket)
    {
        _socket = socket;
        _reading = Task.Run(ReadAsync);
    }

    public int Frames => Volatile.Read(ref _frames);

    /// <summary>Completes with the Stopwatch timestamp of the frame carrying the finish tool's observation.</summary>
    public Task<long> Finished => _finished.Task;

    public static async Task<SocketReader> ConnectAsync(AgentServerClient client, Guid id, bool resendAll = true) =>
        new(await client.ConnectEventsAsync(id, new EventSocketOptions { ResendAll = resendAll }));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _socket.DisposeAsync();
        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            while (await _socket.ReadTextAsync(_stop.Token) is { } frame)
            {
                Interlocked.Increment(ref _frames);
                if (frame.Contains(FinishMarker, StringComparison.Ordinal))
                    _finished.TrySetResult(Stopwatch.GetTimestamp());
            }
            _finished.TrySetException(new InvalidOperationException("The events socket closed before the run finished."));
        }
        catch (OperationCanceledException)
        {
            _finished.TrySetCanceled();
        }
    }
}
