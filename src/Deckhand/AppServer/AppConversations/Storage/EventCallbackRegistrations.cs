using System.Text.Json;
using Deckhand.AppServer.Storage;
using Deckhand.Contracts.Json;

namespace Deckhand.AppServer.AppConversations.Storage;

/// <summary>
/// Registers a new conversation's callback processors in <c>event_callback</c> (V1 spec §5.7 step 4): one ACTIVE row per
/// processor, for every event kind. Whoever processes webhook events runs them. Ids are 32-char hex.
/// </summary>
public sealed class EventCallbackRegistrations(AppDatabase database, TimeProvider time)
{
    public const string SetTitle = "SetTitleCallbackProcessor";

    /// <summary>The processor kinds a start request may name.</summary>
    public static readonly IReadOnlySet<string> KnownKinds = new HashSet<string>(StringComparer.Ordinal)
        { SetTitle, "LoggingCallbackProcessor" };

    public async Task AddAsync(Guid conversationId, IReadOnlyList<JsonElement> processors, CancellationToken cancellationToken = default)
    {
        var now = database.Dialect.Time(time.GetUtcNow());
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var processor in processors)
        {
            await using var command = connection.Command(
                "INSERT INTO event_callback (id, conversation_id, processor, event_kind, status, created_at, updated_at) "
                + "VALUES (@id, @conversation, @processor, NULL, 'ACTIVE', @now, @now);")
                .With("@id", Ids.Hex(Guid.NewGuid())).With("@conversation", Ids.Hex(conversationId))
                .With("@processor", JsonSerializer.Serialize(processor, DeckhandJson.Storage.JsonElement)).With("@now", now);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>What a request's <c>processors</c> means: null is the default SetTitle processor; a list replaces it.</summary>
    public static IReadOnlyList<JsonElement> Resolve(IReadOnlyList<JsonElement>? requested) =>
        requested ?? [JsonSerializer.SerializeToElement(new System.Text.Json.Nodes.JsonObject { ["kind"] = SetTitle }, DeckhandJson.Wire.JsonObject)];
}
