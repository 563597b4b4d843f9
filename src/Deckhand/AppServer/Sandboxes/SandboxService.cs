using System.Security.Cryptography;
using Deckhand.Contracts.AppServer;

namespace Deckhand.AppServer.Sandboxes;

/// <summary>
/// The sandbox service of spec §6: the registry (persisted), the providers that run sandboxes, and the limit on how
/// many run at once (<see cref="SandboxOptions.MaxSandboxes"/>: starting or resuming one beyond it pauses the oldest,
/// OpenHands' <c>pause_old_sandboxes</c>). Methods take the caller's user id; null is the single local user (or an
/// admin) and sees every sandbox. Registry changes that depend on the running count are serialized.
/// </summary>
public sealed partial class SandboxService(
    ISandboxRepository repository, IEnumerable<ISandboxProvider> providers, SandboxOptions options, TimeProvider time,
    ILogger<SandboxService> logger)
{
    private readonly IReadOnlyList<ISandboxProvider> _providers = [.. providers];
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The provider new sandboxes use (the first registered).</summary>
    public ISandboxProvider DefaultProvider => _providers[0];

    public IReadOnlyList<SandboxSpecInfo> Specs => [.. _providers.SelectMany(p => p.Specs)];

    /// <summary>At app-server start: re-adopts sandboxes still running, marks the dead ones <c>MISSING</c>, stops strays.</summary>
    public async Task RecoverAsync(CancellationToken cancellationToken = default)
    {
        foreach (var provider in _providers)
        {
            var records = await repository.ListByProviderAsync(provider.Kind, cancellationToken);
            var recovered = await provider.RecoverAsync(records, cancellationToken);
            foreach (var (before, after) in records.Zip(recovered))
            {
                if (after.Status != before.Status || after.Detail != before.Detail)
                {
                    LogMarked(logger, after.Id, after.Status, after.Detail ?? "");
                    await repository.UpdateAsync(after with { UpdatedAt = time.GetUtcNow() }, cancellationToken);
                }
            }
        }
    }

    /// <summary>Once the app server listens: every sandbox that is not gone posts its webhooks to its current address.</summary>
    public async Task RepointWebhooksAsync(CancellationToken cancellationToken = default)
    {
        foreach (var provider in _providers)
        {
            var records = await repository.ListByProviderAsync(provider.Kind, cancellationToken);
            await provider.RepointWebhooksAsync([.. records.Where(r => r.Status != SandboxStatus.Missing)], cancellationToken);
        }
    }

    public async Task<SandboxPage> SearchAsync(string? userId, int offset, int limit, CancellationToken cancellationToken = default)
    {
        var rows = await repository.ListAsync(userId, offset, limit + 1, cancellationToken);
        var items = await Task.WhenAll(rows.Take(limit).Select(r => InfoAsync(r, cancellationToken)));
        return new SandboxPage(items, rows.Count > limit ? (offset + limit).ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    public async Task<SandboxInfo?> GetAsync(string? userId, string id, CancellationToken cancellationToken = default) =>
        await FindAsync(userId, id, cancellationToken) is { } record ? await InfoAsync(record, cancellationToken) : null;

    public async Task<IReadOnlyList<SandboxInfo?>> BatchGetAsync(string? userId, IReadOnlyList<string> ids, CancellationToken cancellationToken = default) =>
        await Task.WhenAll(ids.Select(id => GetAsync(userId, id, cancellationToken)));

    /// <summary>The registry row with its session key and agent URL (for features that drive the sandbox), or null.</summary>
    public async Task<SandboxRecord?> FindAsync(string? userId, string id, CancellationToken cancellationToken = default) =>
        await repository.GetAsync(id, cancellationToken) is { } record && Visible(userId, record) ? record : null;

    public string WorkingDirectory(SandboxRecord record) => Provider(record).WorkingDirectory(record);

    /// <summary>
    /// Starts a sandbox from <paramref name="specId"/> (the default spec when null) and returns once its agent-server
    /// answers. Throws <see cref="UnknownSandboxSpecException"/> or <see cref="SandboxStartException"/>.
    /// </summary>
    public Task<SandboxInfo> StartAsync(string? userId, string? specId, CancellationToken cancellationToken = default) =>
        StartAsync(userId, specId, registered: null, cancellationToken);

    /// <summary>
    /// As <see cref="StartAsync(string?, string?, CancellationToken)"/>; <paramref name="registered"/> is called with the
    /// new sandbox's id once it is in the registry, before its process is launched (so a caller can say which sandbox it
    /// is waiting for).
    /// </summary>
    public async Task<SandboxInfo> StartAsync(string? userId, string? specId, Func<string, Task>? registered,
        CancellationToken cancellationToken = default)
    {
        var (provider, spec) = ResolveSpec(specId);
        var now = time.GetUtcNow();
        var record = new SandboxRecord
        {
            Id = NewId(),
            CreatedByUserId = userId,
            SandboxSpecId = spec.Id,
            Provider = provider.Kind,
            Status = SandboxStatus.Starting,
            SessionApiKey = NewSessionKey(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await PauseOldSandboxesAsync(userId, options.MaxSandboxes - 1, except: null, cancellationToken);
            await repository.InsertAsync(record, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
        try
        {
            if (registered is not null)
                await registered(record.Id);
            var started = await provider.StartAsync(record, spec, r => repository.UpdateAsync(r, CancellationToken.None), cancellationToken);
            record = started with { Status = SandboxStatus.Running, Detail = null, UpdatedAt = time.GetUtcNow() };
            if (!await repository.UpdateAsync(record, CancellationToken.None))
            {
                // Deleted while it was starting: do not leave it running.
                await provider.DeleteAsync(record, CancellationToken.None);
                throw new SandboxStartException("The sandbox was deleted while it was starting.");
            }
        }
        catch (Exception ex)
        {
            LogStartFailed(logger, record.Id, ex.Message);
            await provider.DeleteAsync(record, CancellationToken.None);
            await repository.DeleteAsync(record.Id, CancellationToken.None);
            throw;
        }
        return await InfoAsync(record, cancellationToken);
    }

    /// <summary>False when no such sandbox is visible to <paramref name="userId"/>.</summary>
    public async Task<bool> PauseAsync(string? userId, string id, CancellationToken cancellationToken = default)
    {
        if (await FindAsync(userId, id, cancellationToken) is not { } record)
            return false;
        await Provider(record).PauseAsync(record, cancellationToken);
        await SaveStatusAsync(record, SandboxStatus.Paused, cancellationToken);
        return true;
    }

    /// <summary>
    /// Continues a paused sandbox; one whose process is gone (a reboot, a crash) is started again with the same
    /// workspace, data and key. Pauses the oldest running sandboxes beyond the limit first. False when unknown.
    /// </summary>
    public async Task<bool> ResumeAsync(string? userId, string id, CancellationToken cancellationToken = default)
    {
        if (await FindAsync(userId, id, cancellationToken) is not { } record)
            return false;
        var provider = Provider(record);
        SandboxStatus status;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await PauseOldSandboxesAsync(userId, options.MaxSandboxes - 1, except: record.Id, cancellationToken);
            status = await provider.GetStatusAsync(record, cancellationToken);
            if (status != SandboxStatus.Missing)
            {
                await provider.ResumeAsync(record, cancellationToken);
                await SaveStatusAsync(record, SandboxStatus.Running, cancellationToken);
                return true;
            }
            record = record with { Status = SandboxStatus.Starting, UpdatedAt = time.GetUtcNow() };
            await repository.UpdateAsync(record, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
        var spec = provider.Specs.FirstOrDefault(s => s.Id == record.SandboxSpecId) ?? provider.Specs[0];
        try
        {
            var started = await provider.StartAsync(record, spec, r => repository.UpdateAsync(r, CancellationToken.None), cancellationToken);
            await repository.UpdateAsync(started with { Status = SandboxStatus.Running, Detail = null, UpdatedAt = time.GetUtcNow() }, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogStartFailed(logger, record.Id, ex.Message);
            await repository.UpdateAsync(record with { Status = SandboxStatus.Error, Detail = ex.Message, UpdatedAt = time.GetUtcNow() }, CancellationToken.None);
            throw;
        }
        return true;
    }

    /// <summary>Stops the sandbox, removes its files and forgets it. False when unknown.</summary>
    public async Task<bool> DeleteAsync(string? userId, string id, CancellationToken cancellationToken = default)
    {
        if (await FindAsync(userId, id, cancellationToken) is not { } record)
            return false;
        // Forget it first, so a start still in flight sees it is gone and cleans up after itself.
        await repository.DeleteAsync(id, cancellationToken);
        await Provider(record).DeleteAsync(record, CancellationToken.None);
        return true;
    }

    /// <summary>
    /// Pauses <paramref name="userId"/>'s oldest running sandboxes beyond the newest <paramref name="max"/> (one that is
    /// still starting is left alone: pausing it would stall its start).
    /// </summary>
    public async Task PauseOldSandboxesAsync(string? userId, int max, string? except = null, CancellationToken cancellationToken = default)
    {
        var all = await repository.ListAsync(userId, 0, 10_000, cancellationToken);
        var live = new List<SandboxRecord>();
        foreach (var record in all.Where(r => r.Id != except && r.Status == SandboxStatus.Running)) // newest first
        {
            if (await Provider(record).GetStatusAsync(record, cancellationToken) == SandboxStatus.Running)
                live.Add(record);
        }
        foreach (var old in live.Skip(Math.Max(0, max)))
        {
            LogPausedOld(logger, old.Id, options.MaxSandboxes);
            await Provider(old).PauseAsync(old, cancellationToken);
            await SaveStatusAsync(old, SandboxStatus.Paused, cancellationToken);
        }
    }

    private async Task<SandboxInfo> InfoAsync(SandboxRecord record, CancellationToken cancellationToken)
    {
        var status = await Provider(record).GetStatusAsync(record, cancellationToken);
        var running = status == SandboxStatus.Running && record.AgentUrl is not null;
        return new SandboxInfo
        {
            Id = record.Id,
            CreatedByUserId = record.CreatedByUserId,
            SandboxSpecId = record.SandboxSpecId,
            Status = status,
            SessionApiKey = running ? record.SessionApiKey : null,
            ExposedUrls = running ? [new ExposedUrl(ExposedUrlNames.AgentServer, record.AgentUrl!, new Uri(record.AgentUrl!).Port)] : null,
            CreatedAt = record.CreatedAt,
        };
    }

    private Task SaveStatusAsync(SandboxRecord record, SandboxStatus status, CancellationToken cancellationToken) =>
        repository.UpdateAsync(record with { Status = status, UpdatedAt = time.GetUtcNow() }, cancellationToken);

    private (ISandboxProvider Provider, SandboxSpecInfo Spec) ResolveSpec(string? specId)
    {
        if (string.IsNullOrEmpty(specId))
            return (DefaultProvider, DefaultProvider.Specs[0]);
        foreach (var provider in _providers)
        {
            if (provider.Specs.FirstOrDefault(s => s.Id == specId) is { } spec)
                return (provider, spec);
        }
        throw new UnknownSandboxSpecException(specId);
    }

    private ISandboxProvider Provider(SandboxRecord record) =>
        _providers.FirstOrDefault(p => p.Kind == record.Provider)
        ?? throw new InvalidOperationException($"Sandbox {record.Id} uses the '{record.Provider}' provider, which this server does not run.");

    private static bool Visible(string? userId, SandboxRecord record) => userId is null || record.CreatedByUserId == userId;

    /// <summary>Base62 of 16 random bytes, as OpenHands names process and remote sandboxes.</summary>
    private static string NewId() => Base62.Encode(RandomNumberGenerator.GetBytes(16));

    /// <summary>Base62 of 32 random bytes.</summary>
    private static string NewSessionKey() => Base62.Encode(RandomNumberGenerator.GetBytes(32));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sandbox {SandboxId} is now {Status}: {Detail}")]
    private static partial void LogMarked(ILogger logger, string sandboxId, SandboxStatus status, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sandbox {SandboxId} failed to start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string sandboxId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pausing sandbox {SandboxId}: at most {Max} sandboxes run at once")]
    private static partial void LogPausedOld(ILogger logger, string sandboxId, int max);
}

/// <summary>Standard names of exposed URLs.</summary>
public static class ExposedUrlNames
{
    public const string AgentServer = "AGENT_SERVER";
}

/// <summary>No provider offers a spec with that id.</summary>
public sealed class UnknownSandboxSpecException(string specId) : Exception($"Unknown sandbox spec: {specId}")
{
    public string SpecId { get; } = specId;
}

/// <summary>Limits and defaults of the sandbox service.</summary>
public sealed record SandboxOptions
{
    /// <summary>How many sandboxes of one user run at once; starting or resuming another pauses the oldest.</summary>
    public int MaxSandboxes { get; init; } = 5;
}
