using Deckhand.Client;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;

namespace Deckhand.Tests.Support;

/// <summary>Waiting on conditions and events with a deadline (never a fixed sleep).</summary>
public static class Wait
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(20);

    /// <summary>Polls <paramref name="condition"/> until true; fails the test at the deadline.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Default);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
                Assert.Fail($"Timed out waiting for {what}.");
            await Task.Delay(15, CancellationToken.None);
        }
    }

    public static Task ForStatusAsync(AgentServerClient client, Guid id, ExecutionStatus status, TimeSpan? timeout = null) =>
        UntilAsync(async () => (await client.GetConversationAsync(id))?.ExecutionStatus == status, $"status {status}", timeout);

    /// <summary>Reads socket events until one matches; returns all events read, the match last.</summary>
    public static async Task<List<Event>> ForEventAsync(EventSocket socket, Func<Event, bool> match, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Default);
        var seen = new List<Event>();
        while (true)
        {
            Event? next;
            try
            {
                next = await socket.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching event; saw: {string.Join(", ", seen.Select(Describe))}");
            }
            if (next is null)
                throw new InvalidOperationException($"Socket closed ({socket.CloseStatus} {socket.CloseStatusDescription}); saw: {string.Join(", ", seen.Select(Describe))}");
            seen.Add(next);
            if (match(next))
                return seen;
        }
    }

    public static bool IsStatus(Event e, string status) =>
        e is ConversationStateUpdateEvent { Key: "execution_status" } u && u.Value.ValueKind == System.Text.Json.JsonValueKind.String
        && u.Value.GetString() == status;

    public static string Describe(Event e) => e is ConversationStateUpdateEvent u ? $"StateUpdate({u.Key}={(u.Key == "full_state" ? "…" : u.Value.ToString())})" : e.Kind;
}
