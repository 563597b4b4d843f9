using System.Text.RegularExpressions;
using Deckhand.Contracts.Conversations;

namespace Deckhand.Engine.Secrets;

/// <summary>A secret to export into the shell before a command.</summary>
public sealed record SecretExport(string Name, string Value);

/// <summary>
/// The secrets of one live conversation: their sources (from the conversation state), the values of lookup secrets
/// fetched so far, and the masker built from every value known. Thread-safe: the runner updates it under its gate;
/// tools and the event choke point read it from any thread.
/// </summary>
public sealed partial class ConversationSecrets
{
    /// <summary>A lookup that failed is not retried for this long (as OpenHands does).</summary>
    public static readonly TimeSpan RetryFailedLookupAfter = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(30);

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = LookupTimeout,
    };

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, (LookupSecret Source, string Value)> _fetched = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (LookupSecret Source, DateTimeOffset At)> _failed = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, SecretSource> _sources;
    private SecretMasker _masker = SecretMasker.Empty;

    public ConversationSecrets(IReadOnlyDictionary<string, SecretSource> sources, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _sources = sources;
        Rebuild();
    }

    /// <summary>A conversation without secrets.</summary>
    public static ConversationSecrets None() => new(new Dictionary<string, SecretSource>());

    public SecretMasker Masker => Volatile.Read(ref _masker);

    public IReadOnlyDictionary<string, SecretSource> Sources => Volatile.Read(ref _sources);

    /// <summary>Masks every known secret value in <paramref name="text"/>.</summary>
    public string Mask(string text) => Masker.Apply(text);

    /// <summary>Replaces the sources (after <c>POST /secrets</c>); fetched lookup values whose source changed are forgotten.</summary>
    public void Update(IReadOnlyDictionary<string, SecretSource> sources)
    {
        lock (_lock)
        {
            Volatile.Write(ref _sources, sources);
            foreach (var name in _fetched.Keys.ToList())
            {
                if (!(sources.TryGetValue(name, out var source) && source == _fetched[name].Source))
                    _fetched.Remove(name);
            }
            foreach (var name in _failed.Keys.ToList())
            {
                if (!(sources.TryGetValue(name, out var source) && source == _failed[name].Source))
                    _failed.Remove(name);
            }
            Rebuild();
        }
    }

    /// <summary>
    /// The secrets to export before running <paramref name="command"/>: those whose name occurs in it, ignoring case,
    /// and that are valid environment variable names. Lookup secrets are fetched now (once; a failure is retried after
    /// <see cref="RetryFailedLookupAfter"/>). <c>Problems</c> explains secrets that could not be resolved, without values.
    /// </summary>
    public async Task<(IReadOnlyList<SecretExport> Exports, IReadOnlyList<string> Problems)> ExportsForAsync(string command,
        CancellationToken cancellationToken)
    {
        var exports = new List<SecretExport>();
        var problems = new List<string>();
        foreach (var (name, source) in Sources.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (!command.Contains(name, StringComparison.OrdinalIgnoreCase) || !EnvironmentName().IsMatch(name))
                continue;
            switch (source)
            {
                case StaticSecret { Value: { } value }:
                    exports.Add(new SecretExport(name, value.Value));
                    break;
                case LookupSecret lookup:
                    var (fetched, problem) = await LookupAsync(name, lookup, cancellationToken);
                    if (fetched is not null)
                        exports.Add(new SecretExport(name, fetched));
                    else if (problem is not null)
                        problems.Add($"Secret {name} could not be fetched ({problem}), so it is not set.");
                    break;
            }
        }
        return (exports, problems);
    }

    private async Task<(string? Value, string? Problem)> LookupAsync(string name, LookupSecret source, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_fetched.TryGetValue(name, out var known) && known.Source == source)
                return (known.Value, null);
            if (_failed.TryGetValue(name, out var failed) && failed.Source == source && _time.GetUtcNow() - failed.At < RetryFailedLookupAfter)
                return (null, "it failed less than a minute ago");
        }
        string? problem;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, source.Url);
            foreach (var (header, value) in source.Headers.Values)
                request.Headers.TryAddWithoutValidation(header, value);
            using var response = await Http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var value = await response.Content.ReadAsStringAsync(cancellationToken);
                lock (_lock)
                {
                    if (Sources.TryGetValue(name, out var current) && current == source)
                    {
                        _fetched[name] = (source, value);
                        _failed.Remove(name);
                        Rebuild();
                    }
                }
                return (value, null);
            }
            problem = $"HTTP {(int)response.StatusCode}";
        }
        catch (HttpRequestException ex)
        {
            problem = ex.HttpRequestError.ToString();
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            problem = $"no answer within {LookupTimeout.TotalSeconds:0} seconds";
        }
        lock (_lock)
            _failed[name] = (source, _time.GetUtcNow());
        return (null, problem);
    }

    /// <summary>Called under the lock (or from the constructor).</summary>
    private void Rebuild()
    {
        var values = new List<string>();
        foreach (var source in _sources.Values)
        {
            if (source is StaticSecret { Value: { } value })
                values.Add(value.Value);
        }
        values.AddRange(_fetched.Values.Select(f => f.Value));
        Volatile.Write(ref _masker, new SecretMasker(values));
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentName();
}
