using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Engine.Events;
using Deckhand.Engine.Storage;
using Deckhand.Engine.Tests.Support;

namespace Deckhand.Engine.Tests.Storage;

public sealed class SqliteConversationStoreTests : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly SqliteConversationStore _store;

    public SqliteConversationStoreTests() => _store = new SqliteConversationStore(_db.DatabasePath);

    public void Dispose()
    {
        _store.Dispose();
        _db.Dispose();
    }

    [Fact]
    public void Append_InConsecutiveBatches_KeepsSeqGapFree_AndHeadSeqFollows()
    {
        var snapshot = Created();
        var id = snapshot.State.Id;

        _store.Append(id, 1, Build.Numbered(1, Build.SystemPrompt(), Build.UserMessage("one")), snapshot);
        _store.Append(id, 3, Build.Numbered(3, Build.Think("a"), Build.Think("b", "call_b"), Build.AgentMessage("two")), snapshot: null);

        Assert.Equal(5, _store.Load(id)!.Value.HeadSeq);
        Assert.Equal([1L, 2, 3, 4, 5], _store.ReadEvents(id, 0, 100).Select(e => e.Seq));
    }

    [Fact]
    public void Append_WithNonConsecutiveSeqInBatch_Throws_AndRollsBackEverything()
    {
        var snapshot = Created();
        var id = snapshot.State.Id;
        var running = snapshot with { State = snapshot.State with { ExecutionStatus = ExecutionStatus.Running } };
        var first = Build.UserMessage("kept only if the whole batch commits");
        List<StoredEvent> batch = [new(1, first), new(3, Build.AgentMessage("gap before me"))];

        Assert.Throws<InvalidOperationException>(() => _store.Append(id, 1, batch, running));

        Assert.Empty(_store.ReadEvents(id, 0, 100));
        Assert.Null(_store.GetEvent(id, first.Id));
        var (stored, head) = _store.Load(id)!.Value;
        Assert.Equal(0, head);
        Assert.Equal(ExecutionStatus.Idle, stored.State.ExecutionStatus);

        // The failed transaction left the store usable: the same events with the right seqs go in.
        _store.Append(id, 1, Build.Numbered(1, first, Build.AgentMessage("now in order")), running);
        Assert.Equal(2, _store.Load(id)!.Value.HeadSeq);
        Assert.Equal(ExecutionStatus.Running, _store.Load(id)!.Value.Snapshot.State.ExecutionStatus);
    }

    [Fact]
    public void Append_ThatWouldLeaveAGapAfterTheHead_Throws_AndStoresNothing()
    {
        var snapshot = Created();
        var id = snapshot.State.Id;
        _store.Append(id, 1, Build.Numbered(1, Build.UserMessage("one"), Build.AgentMessage("two")), snapshot);
        var late = Build.UserMessage("would be seq 5 after head 2");

        Assert.Throws<InvalidOperationException>(() => _store.Append(id, 5, Build.Numbered(5, late), snapshot: null));
        Assert.Throws<InvalidOperationException>(() => _store.Append(id, 2, Build.Numbered(2, Build.UserMessage("reuses seq 2")), snapshot: null));

        Assert.Null(_store.GetEvent(id, late.Id));
        Assert.Equal(2, _store.Load(id)!.Value.HeadSeq);
        Assert.Equal([1L, 2], _store.ReadEvents(id, 0, 100).Select(e => e.Seq));
    }

    [Fact]
    public void Append_WithSnapshot_StoresItInTheSameCommit()
    {
        var snapshot = Created();
        var id = snapshot.State.Id;
        var message = Build.UserMessage("hello");
        var changed = snapshot with
        {
            State = snapshot.State with { ExecutionStatus = ExecutionStatus.Running, LastUserMessageId = message.Id },
            Meta = snapshot.Meta with { Title = "hello", UpdatedAt = snapshot.Meta.UpdatedAt.AddSeconds(1) },
        };

        _store.Append(id, 1, Build.Numbered(1, Build.SystemPrompt(), message), changed);

        var (loaded, head) = _store.Load(id)!.Value;
        Assert.Equal(2, head);
        Assert.Equal(ExecutionStatus.Running, loaded.State.ExecutionStatus);
        Assert.Equal(message.Id, loaded.State.LastUserMessageId);
        Assert.Equal("hello", loaded.Meta.Title);
        Assert.Equal([id], _store.ListByStatus(ExecutionStatus.Running));
        Assert.Equal(1, _store.CountConversations(ExecutionStatus.Running));
        Assert.Equal(0, _store.CountConversations(ExecutionStatus.Idle));
    }

    [Fact]
    public void ReadEvents_AndReadRawEvents_PageByAfterSeq_InLogOrder()
    {
        var snapshot = Created();
        var id = snapshot.State.Id;
        var events = Enumerable.Range(1, 7).Select(i => (Event)Build.UserMessage($"m{i}")).ToArray();
        _store.Append(id, 1, Build.Numbered(1, events), snapshot);

        var pages = new List<IReadOnlyList<StoredEvent>>();
        long after = 0;
        while (_store.ReadEvents(id, after, 3) is { Count: > 0 } page)
        {
            pages.Add(page);
            after = page[^1].Seq;
        }
        Assert.Equal([3, 3, 1], pages.Select(p => p.Count));
        Assert.Equal(events.Select(e => e.Id), pages.SelectMany(p => p).Select(s => s.Event.Id));
        Assert.Equal([2L, 3, 4], _store.ReadEvents(id, 1, 100, upToSeq: 4).Select(e => e.Seq));

        var raw = _store.ReadRawEvents(id, 4, 2);
        Assert.Equal([5L, 6], raw.Select(r => r.Seq));
        Assert.Equal([events[4].Id, events[5].Id], raw.Select(r => JsonDocument.Parse(r.Utf8Json).RootElement.GetProperty("id").GetString()));
        Assert.Empty(_store.ReadRawEvents(id, 7, 10));
    }

    [Fact]
    public void StoredEventJson_HasNoSeqField_WhetherTheStoreOrTheCallerSerialized_It()
    {
        var snapshot = Created();
        var id = snapshot.State.Id;
        var preSerialized = Build.UserMessage("serialized by the caller");
        _store.Append(id, 1,
            [
                new StoredEvent(1, Build.UserMessage("serialized by the store")),
                new StoredEvent(2, preSerialized) { Utf8Json = JsonSerializer.SerializeToUtf8Bytes<Event>(preSerialized, Contracts.Json.DeckhandJson.Compact.Event) },
            ],
            snapshot);

        foreach (var raw in _store.ReadRawEvents(id, 0, 10))
        {
            var root = JsonDocument.Parse(raw.Utf8Json).RootElement;
            Assert.False(root.TryGetProperty("seq", out _), "stored JSON must not carry seq");
            Assert.Equal("MessageEvent", root.GetProperty("kind").GetString());
        }
        Assert.Equal(2, _store.GetEvent(id, preSerialized.Id)!.Seq);
    }

    [Fact]
    public void SearchEvents_FiltersByKindSourceBodyAndTime_AndCountAgrees()
    {
        var snapshot = Created();
        var id = snapshot.State.Id;
        var system = Build.SystemPrompt();
        system.Timestamp = Build.At(0);
        var ask = Build.UserMessage("Please find the ZEBRA", Build.At(1));
        var think = Build.Think("the zebra is in the zoo", timestamp: Build.At(2));
        var result = Build.ThinkResult(think, Build.At(3));
        var answer = Build.AgentMessage("Found the Zebra.", Build.At(4));
        var other = Build.UserMessage("thanks", Build.At(5));
        _store.Append(id, 1, Build.Numbered(1, system, ask, think, result, answer, other), snapshot);

        AssertMatches(new EventFilter { Kind = "MessageEvent" }, ask, answer, other);
        AssertMatches(new EventFilter { Source = "user" }, ask, other);
        AssertMatches(new EventFilter { Source = "agent" }, system, think, answer);
        AssertMatches(new EventFilter { Source = "environment" }, result);
        // Case-insensitive, over message text only: the think action mentions a zebra too but is not a message.
        AssertMatches(new EventFilter { Body = "zEbRa" }, ask, answer);
        AssertMatches(new EventFilter { Body = "zebra", Source = "agent" }, answer);
        AssertMatches(new EventFilter { Body = "no such words" });
        AssertMatches(new EventFilter { TimestampGte = Build.At(2), TimestampLt = Build.At(5) }, think, result, answer);
        AssertMatches(new EventFilter { TimestampGte = Build.At(4) }, answer, other);
        AssertMatches(new EventFilter { TimestampLt = Build.At(1) }, system);
        AssertMatches(new EventFilter { Kind = "ActionEvent", TimestampGte = Build.At(3) });

        void AssertMatches(EventFilter filter, params Event[] expected)
        {
            var found = _store.SearchEvents(id, new EventQuery { Filter = filter });
            Assert.Equal(expected.Select(e => e.Id), found.Items.Select(s => s.Event.Id));
            Assert.Null(found.NextPageId);
            Assert.Equal(expected.Length, _store.CountEvents(id, filter));
        }
    }

    [Fact]
    public void SearchEvents_PagesForwardAndBackward_WithoutGapsOrDuplicates()
    {
        var snapshot = Created();
        var id = snapshot.State.Id;
        var events = Enumerable.Range(0, 7).Select(i => (Event)Build.UserMessage($"m{i}", Build.At(i))).ToArray();
        _store.Append(id, 1, Build.Numbered(1, events), snapshot);

        Assert.Equal(events.Select(e => e.Id), Walk(descending: false));
        Assert.Equal(events.Reverse().Select(e => e.Id), Walk(descending: true));

        // An unknown page id starts from the beginning, as OpenHands does.
        var fromUnknown = _store.SearchEvents(id, new EventQuery { PageId = "no-such-event", Limit = 2 });
        Assert.Equal([events[0].Id, events[1].Id], fromUnknown.Items.Select(s => s.Event.Id));
        Assert.Equal(events[2].Id, fromUnknown.NextPageId);

        List<string> Walk(bool descending)
        {
            var ids = new List<string>();
            string? page = null;
            var pages = 0;
            do
            {
                var result = _store.SearchEvents(id, new EventQuery { PageId = page, Limit = 3, Descending = descending });
                Assert.InRange(result.Items.Count, 1, 3);
                ids.AddRange(result.Items.Select(s => s.Event.Id));
                page = result.NextPageId;
                Assert.True(++pages <= 3, "paging did not end");
            }
            while (page is not null);
            return ids;
        }
    }

    [Fact]
    public void SearchEvents_PagingWithAFilter_NextPageIdIsTheNextMatch()
    {
        var snapshot = Created();
        var id = snapshot.State.Id;
        var a = Build.UserMessage("a");
        var b = Build.UserMessage("b");
        var c = Build.UserMessage("c");
        _store.Append(id, 1, Build.Numbered(1, a, Build.AgentMessage("x"), b, Build.AgentMessage("y"), c), snapshot);

        var first = _store.SearchEvents(id, new EventQuery { Filter = new EventFilter { Source = "user" }, Limit = 1 });
        Assert.Equal([a.Id], first.Items.Select(s => s.Event.Id));
        Assert.Equal(b.Id, first.NextPageId);
        var second = _store.SearchEvents(id, new EventQuery { Filter = new EventFilter { Source = "user" }, Limit = 2, PageId = first.NextPageId });
        Assert.Equal([b.Id, c.Id], second.Items.Select(s => s.Event.Id));
        Assert.Null(second.NextPageId);
    }

    [Fact]
    public void Delete_RemovesTheConversationAndItsEvents_AndLeavesOthersAlone()
    {
        var doomed = Created();
        var kept = Created();
        var doomedEvent = Build.UserMessage("bye");
        var keptEvent = Build.UserMessage("stay");
        _store.Append(doomed.State.Id, 1, Build.Numbered(1, doomedEvent), doomed);
        _store.Append(kept.State.Id, 1, Build.Numbered(1, keptEvent), kept);

        Assert.True(_store.Delete(doomed.State.Id));

        Assert.Null(_store.Load(doomed.State.Id));
        Assert.Empty(_store.ReadEvents(doomed.State.Id, 0, 100));
        Assert.Null(_store.GetEvent(doomed.State.Id, doomedEvent.Id));
        Assert.Equal(0, _store.CountEvents(doomed.State.Id, new EventFilter()));
        Assert.Equal(1, _store.CountConversations(null));
        Assert.Equal([kept.State.Id], _store.SearchConversations(new ConversationQuery()).Items.Select(s => s.State.Id));
        Assert.Equal(keptEvent.Id, _store.GetEvent(kept.State.Id, keptEvent.Id)!.Event.Id);
        Assert.False(_store.Delete(doomed.State.Id));
    }

    [Fact]
    public void ANewStoreOnTheSameFile_SeesEverythingCommitted()
    {
        var snapshot = Created();
        var id = snapshot.State.Id;
        var message = Build.UserMessage("durable");
        var finished = snapshot with { State = snapshot.State with { ExecutionStatus = ExecutionStatus.Finished }, Meta = snapshot.Meta with { Title = "t" } };
        _store.Append(id, 1, Build.Numbered(1, Build.SystemPrompt(), message), finished);
        _store.Dispose();

        using var reopened = new SqliteConversationStore(_db.DatabasePath);
        var (loaded, head) = reopened.Load(id)!.Value;
        Assert.Equal(2, head);
        Assert.Equal(ExecutionStatus.Finished, loaded.State.ExecutionStatus);
        Assert.Equal("t", loaded.Meta.Title);
        var stored = reopened.GetEvent(id, message.Id)!;
        Assert.Equal(2, stored.Seq);
        Assert.Equal("durable", Assert.IsType<MessageEvent>(stored.Event).LlmMessage.Text());
        Assert.Equal(1, reopened.CountConversations(ExecutionStatus.Finished));

        // And it continues the log where the old instance left off.
        reopened.Append(id, 3, Build.Numbered(3, Build.AgentMessage("more")), snapshot: null);
        Assert.Equal(3, reopened.Load(id)!.Value.HeadSeq);
    }

    [Fact]
    public void Create_WithAnExistingId_ReturnsFalse_AndKeepsTheFirst()
    {
        var snapshot = Created();
        var again = Build.Snapshot(snapshot.State.Id, ExecutionStatus.Error);

        Assert.False(_store.Create(again));
        Assert.Equal(ExecutionStatus.Idle, _store.Load(snapshot.State.Id)!.Value.Snapshot.State.ExecutionStatus);
    }

    private ConversationSnapshot Created()
    {
        var snapshot = Build.Snapshot();
        Assert.True(_store.Create(snapshot));
        return snapshot;
    }
}
