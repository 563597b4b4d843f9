using System.Globalization;
using System.Text;
using System.Text.Json;
using Deckhand.AppServer;
using Deckhand.AppServer.AppConversations;
using Deckhand.AppServer.AppConversations.Storage;

namespace Deckhand.V0.Conversations;

/// <summary>What the legacy list is asked for.</summary>
public sealed record V0ListQuery(int Limit, string? PageId, string? SelectedRepository, string? Trigger, bool IncludeSubConversations);

/// <summary>
/// <c>GET /api/conversations</c> (V0 spec §1.3): V0 rows (newer than <c>conversation_max_age</c>) and V1 rows (through
/// the §9.1 shim) merged newest first. <c>page_id</c> is base64 of <c>{"v0": ..., "v1": ...}</c>: V0's page id is
/// base64 of its offset, V1's the V1 search's. Unlike upstream, each side advances only by the rows this page used, so
/// merging never skips a conversation; filters apply after paging (pages can be short), as upstream.
/// </summary>
public sealed class V0ConversationList(
    AppConversationInfoRepository conversations, V0ConversationService v0, LiveStatus live, AppServerOptions options, TimeProvider time)
{
    public async Task<V0ConversationInfoResultSet> ListAsync(string? userId, V0ListQuery query, CancellationToken cancellationToken)
    {
        var (v0Offset, v1Offset) = DecodePage(query.PageId);
        var limit = query.Limit;
        IReadOnlyList<AppConversationInfo> v0Rows = [], v1Rows = [];
        if (v0Offset is { } o0)
            v0Rows = await conversations.ListVersionAsync(userId, V0ConversationService.Version, time.GetUtcNow() - options.ConversationMaxAge, o0, limit + 1,
                cancellationToken);
        if (v1Offset is { } o1)
            v1Rows = await conversations.SearchAsync(userId, new AppConversationFilter { IncludeSubConversations = query.IncludeSubConversations }, o1,
                limit + 1, cancellationToken);

        var merged = v0Rows.Take(limit).Select(r => (Row: r, V0: true)).Concat(v1Rows.Take(limit).Select(r => (Row: r, V0: false)))
            .OrderByDescending(x => x.Row.CreatedAt).ThenBy(x => x.Row.Id).Take(limit).ToList();
        var usedV0 = merged.Count(x => x.V0);
        var usedV1 = merged.Count - usedV0;
        string? nextV0 = v0Offset is { } a && v0Rows.Count > usedV0 ? EncodeV0(a + usedV0) : null;
        string? nextV1 = v1Offset is { } b && v1Rows.Count > usedV1 ? (b + usedV1).ToString(CultureInfo.InvariantCulture) : null;

        var picked = merged.Where(x => (query.SelectedRepository is null || x.Row.SelectedRepository == query.SelectedRepository)
                                       && (query.Trigger is null || x.Row.Trigger == query.Trigger)).ToList();
        var v1Live = (await live.EnrichAsync([.. picked.Where(x => !x.V0).Select(x => x.Row)], null, cancellationToken))
            .ToDictionary(c => c.Id, StringComparer.Ordinal);
        var results = new List<V0ConversationInfo>(picked.Count);
        foreach (var (row, isV0) in picked)
            results.Add(isV0 ? await v0.ToInfoAsync(row, cancellationToken) : V0ConversationService.FromV1(v1Live[Ids.Hex(row.Id)]));
        return new V0ConversationInfoResultSet(results, nextV0 is null && nextV1 is null ? null : EncodePage(nextV0, nextV1));
    }

    /// <summary>Python's <c>json.dumps({"v0": .., "v1": ..})</c>, base64.</summary>
    public static string EncodePage(string? v0, string? v1)
    {
        static string Json(string? value) => value is null ? "null" : JsonSerializer.Serialize(value, Contracts.Json.DeckhandJson.Wire.String);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"v0\": {Json(v0)}, \"v1\": {Json(v1)}}}"));
    }

    public static string EncodeV0(int offset) => Convert.ToBase64String(Encoding.UTF8.GetBytes(offset.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// The offsets a page id continues from; null for a side that is exhausted. No page id starts both at 0; a page id
    /// that is not the combined form is read as a raw V0 page id (V1 then starts at 0), and garbage as the first page.
    /// </summary>
    public static (int? V0, int? V1) DecodePage(string? pageId)
    {
        if (string.IsNullOrEmpty(pageId))
            return (0, 0);
        var text = FromBase64(pageId);
        if (text is not null)
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    var root = document.RootElement;
                    var v0 = root.TryGetProperty("v0", out var a) && a.ValueKind == JsonValueKind.String ? V0Offset(a.GetString()!) : null;
                    var v1 = root.TryGetProperty("v1", out var b) && b.ValueKind == JsonValueKind.String
                        && int.TryParse(b.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : (int?)null;
                    return (v0, v1);
                }
            }
            catch (JsonException)
            {
            }
        }
        return (V0Offset(pageId) ?? 0, 0);
    }

    private static int? V0Offset(string pageId) =>
        FromBase64(pageId) is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : null;

    private static string? FromBase64(string text)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(text));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
