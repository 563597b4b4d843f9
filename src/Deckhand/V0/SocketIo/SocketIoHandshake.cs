using Microsoft.AspNetCore.Http;

namespace Deckhand.V0.SocketIo;

/// <summary>What the client sent when it connected: the Engine.IO URL query, the upgrade request's headers, the connect auth.</summary>
public sealed record SocketIoHandshake
{
    /// <summary>Every query parameter of the upgrade request (including <c>EIO</c> and <c>transport</c>); the first value of repeated keys.</summary>
    public required IReadOnlyDictionary<string, string> Query { get; init; }

    public required IHeaderDictionary Headers { get; init; }

    /// <summary>The JSON object of a <c>40{...}</c> connect packet, when the client sent one.</summary>
    public System.Text.Json.JsonElement? Auth { get; set; }

    public string? Get(string name) => Query.TryGetValue(name, out var value) ? value : null;
}
