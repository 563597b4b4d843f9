using System.Text.Json.Nodes;

namespace Deckhand.Tests.V0.Support;

/// <summary>Reading <c>oh_event</c> payloads off a <see cref="NodeSocketIoClient"/>.</summary>
public static class OhEvents
{
    /// <summary>The <c>oh_event</c> payload of a line, or null for other lines.</summary>
    public static JsonObject? Payload(JsonObject line) =>
        NodeSocketIoClient.Type(line) == "event" && (string?)line["name"] == "oh_event" ? line["args"]?[0] as JsonObject : null;

    public static async Task<JsonObject> NextAsync(NodeSocketIoClient client, Func<JsonObject, bool> match, string what = "a matching oh_event") =>
        Payload(await client.WaitForAsync(l => Payload(l) is { } p && match(p), what, TimeSpan.FromSeconds(60)))!;

    public static Task<JsonObject> NextStateAsync(NodeSocketIoClient client) =>
        NextAsync(client, e => (string?)e["observation"] == "agent_state_changed", "an agent_state_changed");

    public static Task<JsonObject> StateAsync(NodeSocketIoClient client, string agentState) =>
        NextAsync(client, e => (string?)e["observation"] == "agent_state_changed" && (string?)e["extras"]!["agent_state"] == agentState,
            $"agent_state_changed {agentState}");

    /// <summary>Every action/observation event the client got so far.</summary>
    public static List<JsonObject> Events(NodeSocketIoClient client) =>
        [.. client.Seen.Select(Payload).OfType<JsonObject>().Where(p => p["action"] is not null || p["observation"] is not null)];

    /// <summary>The numeric ids of those events, in arrival order.</summary>
    public static List<long> Ids(NodeSocketIoClient client) =>
        [.. Events(client).Where(e => e["id"] is not null && (long)e["id"]! >= 0).Select(e => (long)e["id"]!)];
}
