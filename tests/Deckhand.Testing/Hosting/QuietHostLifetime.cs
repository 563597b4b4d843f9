using Microsoft.Extensions.Hosting;

namespace Deckhand.Testing.Hosting;

/// <summary>
/// Replaces the console lifetime so a test-owned host neither prints status lines nor hooks Ctrl+C/SIGTERM (dozens of
/// servers per test run would otherwise each swallow the runner's termination signal).
/// </summary>
public sealed class QuietHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
