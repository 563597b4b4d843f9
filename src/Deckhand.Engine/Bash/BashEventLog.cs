using Deckhand.Contracts.Bash;

namespace Deckhand.Engine.Bash;

/// <summary>Filters and paging of <c>GET /api/bash/bash_events/search</c>.</summary>
public sealed record BashEventQuery
{
    /// <summary><c>BashCommand</c> or <c>BashOutput</c>.</summary>
    public string? Kind { get; init; }
    /// <summary>32-char hex.</summary>
    public string? CommandId { get; init; }
    public DateTimeOffset? TimestampGte { get; init; }
    public DateTimeOffset? TimestampLt { get; init; }
    /// <summary>Drops BashOutput events with <c>order</c> at or below this, after paging (OpenHands' quirk).</summary>
    public int? OrderGt { get; init; }
    public bool Descending { get; init; }
    public string? PageId { get; init; }
    public int Limit { get; init; } = 100;
}

/// <summary>
/// The server's bash events, in memory only, oldest first. Bounded: at most <see cref="MaxEvents"/> events and about
/// <see cref="MaxBytes"/> of text; past either cap the oldest events are dropped. (OpenHands keeps one file per event
/// under <c>bash_events_dir</c> with a retention loop; these events are a scratch log of ad-hoc commands, so Deckhand
/// keeps them for the life of the server process, bounded.) Page ids are event ids, opaque to clients.
/// </summary>
public sealed class BashEventLog
{
    public const int MaxEvents = 10_000;
    public const long MaxBytes = 64L * 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly List<Entry> _entries = [];
    private readonly Dictionary<string, long> _seqById = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private int _head; // entries before _head are dropped; compacted now and then
    private long _nextSeq;
    private long _bytes;

    public BashEventLog(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    public int Count
    {
        get
        {
            lock (_gate)
                return _entries.Count - _head;
        }
    }

    /// <summary>Stamps the event with the current UTC time (so log order and time order agree) and keeps it.</summary>
    public void Append(BashEvent e)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var last = _entries.Count > _head ? _entries[^1].Event.Timestamp : DateTimeOffset.MinValue;
            e.Timestamp = now < last ? last : now;
            var size = SizeOf(e);
            _entries.Add(new Entry(_nextSeq, e, size));
            _seqById[e.Id] = _nextSeq++;
            _bytes += size;
            while (_entries.Count - _head > MaxEvents || (_bytes > MaxBytes && _entries.Count - _head > 1))
            {
                var old = _entries[_head++];
                _seqById.Remove(old.Event.Id);
                _bytes -= old.Size;
            }
            if (_head > 1024 && _head > _entries.Count / 2)
            {
                _entries.RemoveRange(0, _head);
                _head = 0;
            }
        }
    }

    public BashEvent? Get(string id)
    {
        lock (_gate)
            return _seqById.TryGetValue(id, out var seq) ? _entries[IndexOf(seq)].Event : null;
    }

    public int Clear()
    {
        lock (_gate)
        {
            var count = _entries.Count - _head;
            _entries.Clear();
            _seqById.Clear();
            _head = 0;
            _bytes = 0;
            return count;
        }
    }

    public (IReadOnlyList<BashEvent> Items, string? NextPageId) Search(BashEventQuery query)
    {
        List<BashEvent> matches;
        lock (_gate)
        {
            long? from = null;
            if (query.PageId is not null)
            {
                if (!_seqById.TryGetValue(query.PageId, out var seq))
                    return ([], null); // the page's first event was dropped or cleared
                from = seq;
            }
            matches = [];
            var count = _entries.Count - _head;
            for (var k = 0; k < count; k++)
            {
                var entry = _entries[query.Descending ? _entries.Count - 1 - k : _head + k];
                if (from is { } start && (query.Descending ? entry.Seq > start : entry.Seq < start))
                    continue;
                if (!Matches(entry.Event, query))
                    continue;
                matches.Add(entry.Event);
                if (matches.Count > query.Limit)
                    break;
            }
        }
        string? next = null;
        if (matches.Count > query.Limit)
        {
            next = matches[query.Limit].Id;
            matches.RemoveAt(query.Limit);
        }
        if (query.OrderGt is { } orderGt)
            matches.RemoveAll(e => e is BashOutput output && output.Order <= orderGt);
        return (matches, next);
    }

    private static bool Matches(BashEvent e, BashEventQuery q)
    {
        if (q.Kind is not null && e.Kind != q.Kind)
            return false;
        if (q.CommandId is not null)
        {
            var commandId = e switch { BashCommand c => c.Id, BashOutput o => o.CommandId, _ => null };
            if (commandId != q.CommandId)
                return false;
        }
        if (q.TimestampGte is { } gte && e.Timestamp < gte)
            return false;
        return q.TimestampLt is not { } lt || e.Timestamp < lt;
    }

    private int IndexOf(long seq)
    {
        // Seqs are consecutive from the first live entry.
        return _head + (int)(seq - _entries[_head].Seq);
    }

    private static long SizeOf(BashEvent e) => 256 + 2L * e switch
    {
        BashCommand c => c.Command.Length + (c.Cwd?.Length ?? 0),
        BashOutput o => (o.Stdout?.Length ?? 0) + (o.Stderr?.Length ?? 0),
        BashError x => x.Detail.Length,
        _ => 0,
    };

    private readonly record struct Entry(long Seq, BashEvent Event, long Size);
}
