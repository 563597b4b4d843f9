using System.Collections.Concurrent;

namespace Deckhand.AppServer.AppConversations;

/// <summary>
/// Work the app-conversation routes leave running after they answer (start flows, message delivery, sandbox clean-up).
/// Each item gets <see cref="Stopping"/>, cancelled when the server shuts down; disposal waits a bounded time for
/// items to wind down, so a stop never hangs on them. What an interrupted start flow left behind is settled at the
/// next start (<see cref="Starting.StartTaskRunner.RecoverAsync"/>).
/// </summary>
public sealed partial class BackgroundWork(ILogger<BackgroundWork> logger) : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownWait = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    public CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool; an exception is logged (type and message), never thrown. False
    /// (nothing started) once the server is stopping.
    /// </summary>
    public bool Run(string what, Func<CancellationToken, Task> work)
    {
        if (_stopping.IsCancellationRequested)
            return false;
        var task = Task.Run(async () =>
        {
            try
            {
                await work(_stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                LogFailed(logger, what, ex.GetType().Name, ex.Message);
            }
        });
        _running[task] = 0;
        task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
        return true;
    }

    /// <summary>Waits until nothing is running (for tests and orderly shutdown); false at the deadline.</summary>
    public async Task<bool> IdleAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_running.IsEmpty)
        {
            if (DateTime.UtcNow >= deadline)
                return false;
            await Task.WhenAny(Task.WhenAll(_running.Keys), Task.Delay(100));
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await IdleAsync(ShutdownWait);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Background work '{What}' failed: {Type}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string what, string type, string reason);
}
