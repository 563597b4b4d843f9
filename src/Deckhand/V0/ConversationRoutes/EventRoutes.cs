using System.Globalization;
using System.Text.Json;
using Deckhand.AgentServer.Http;
using Deckhand.AppServer;
using Deckhand.Client;
using Deckhand.Contracts.Json;
using Deckhand.V0.Events;

namespace Deckhand.V0.ConversationRoutes;

/// <summary>
/// The event routes of a conversation (spec §1.4): <c>events</c> (read from the app server's event copy, projected to
/// V0; POST takes a client action), <c>message</c> and <c>trajectory</c>.
/// </summary>
internal static class EventRoutes
{
    /// <summary>Browser state left out of a trajectory (spec §1.4 <c>trajectory</c>).</summary>
    private static readonly string[] TrajectoryDroppedExtras =
    [
        "dom_object", "axtree_object", "active_page_index", "last_browser_action", "last_browser_action_error", "focused_element_bid",
        "extra_element_properties", "screenshot", "set_of_marks",
    ];

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/events", SearchAsync);
        group.MapPost("/events", AddAsync).Accepts<JsonElement>("application/json");
        group.MapPost("/message", MessageAsync).Accepts<JsonElement>("application/json");
        group.MapGet("/trajectory", TrajectoryAsync);
    }

    private static async Task<IResult> SearchAsync(V0Conversations conversations, V0History history, string conversation_id, string? start_id,
        string? end_id, string? reverse, string? limit, CancellationToken cancellationToken)
    {
        if (!TryInt(start_id, "start_id", 0, out var start, out var error) || !TryInt(limit, "limit", 20, out var count, out error))
            return error!;
        long? end = null;
        if (end_id is not null)
        {
            if (!TryInt(end_id, "end_id", 0, out var e, out error))
                return error!;
            end = e;
        }
        var descending = false;
        if (reverse is not null && !bool.TryParse(reverse, out descending))
            return ApiErrors.Invalid("query.reverse", "Input should be a valid boolean", "bool_parsing");
        if (count is < 0 or > 100)
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, "Invalid limit");
        var (target, problem) = await conversations.FindAsync(conversation_id, cancellationToken);
        if (target is null)
            return problem!;
        var (events, _) = await history.LoadAsync(target.Id, cancellationToken);
        var selected = events.Where(e => e.Id is { } id && id >= start && (end is null || id <= end));
        if (descending)
            selected = selected.Reverse();
        var page = selected.Take((int)count + 1).ToList();
        var hasMore = page.Count > count;
        return V0Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("events");
            foreach (var e in page.Take((int)count))
                e.WriteTo(w);
            w.WriteEndArray();
            w.WriteBoolean("has_more", hasMore);
            w.WriteEndObject();
        });
    }

    /// <summary>POST <c>events</c>: a raw V0 event dict, as the socket's <c>oh_user_action</c> takes.</summary>
    private static async Task<IResult> AddAsync(V0Conversations conversations, string conversation_id, HttpRequest request, AppServerOptions options,
        CancellationToken cancellationToken)
    {
        var (target, problem) = await conversations.FindAsync(conversation_id, cancellationToken);
        if (target is null)
            return problem!;
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.JsonElement, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        var parsed = V0ClientActions.Parse(body);
        if (parsed.Command is not { } command)
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, parsed.Error!);
        if (target.Agent is not { } agent)
            return ApiErrors.Detail(StatusCodes.Status409Conflict, NotRunningText(conversation_id));
        try
        {
            await V0CommandRunner.RunAsync(agent, target.Id, command, cancellationToken);
        }
        catch (Exception ex) when (ex is AgentServerException or HttpRequestException)
        {
            return ApiErrors.Detail(StatusCodes.Status502BadGateway, $"The sandbox did not take the event: {Message(ex)}");
        }
        return V0Json.Success();
    }

    /// <summary>POST <c>message</c> <c>{"message": text}</c>: a user message that runs the agent.</summary>
    private static async Task<IResult> MessageAsync(V0Conversations conversations, string conversation_id, HttpRequest request,
        AppServerOptions options, CancellationToken cancellationToken)
    {
        var (target, problem) = await conversations.FindAsync(conversation_id, cancellationToken);
        if (target is null)
            return problem!;
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.JsonElement, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("message", out var text) || text.ValueKind != JsonValueKind.String)
            return ApiErrors.Invalid("body.message", "Field required: a string 'message'.", "missing");
        if (target.Agent is not { } agent)
            return MessageFailed(StatusCodes.Status409Conflict, NotRunningText(conversation_id));
        try
        {
            await agent.SendMessageAsync(target.Id, V0CommandRunner.Message(new V0SendMessage(text.GetString()!, [], [])), cancellationToken);
        }
        catch (Exception ex) when (ex is AgentServerException or HttpRequestException)
        {
            return MessageFailed(StatusCodes.Status502BadGateway, Message(ex));
        }
        return V0Json.Success();
    }

    private static IResult MessageFailed(int status, string reason) => V0Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteBoolean("success", false);
        w.WriteString("error", $"Error adding message to conversation: {reason}");
        w.WriteEndObject();
    }, status);

    private static async Task<IResult> TrajectoryAsync(V0Conversations conversations, V0History history, string conversation_id,
        CancellationToken cancellationToken)
    {
        var (target, problem) = await conversations.FindAsync(conversation_id, cancellationToken);
        if (target is null)
            return problem!;
        var trajectory = await TrajectoryOfAsync(history, target.Id, cancellationToken);
        return V0Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("trajectory");
            foreach (var e in trajectory)
                e.WriteTo(w);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>The conversation's V0 events without hidden ones and without browser state: what trajectory and feedback share.</summary>
    public static async Task<List<V0Event>> TrajectoryOfAsync(V0History history, Guid conversationId, CancellationToken cancellationToken)
    {
        var (events, _) = await history.LoadAsync(conversationId, cancellationToken);
        var trajectory = new List<V0Event>(events.Count);
        foreach (var e in events)
        {
            if (IsHidden(e))
                continue;
            if (e.Extras is { } extras && TrajectoryDroppedExtras.Any(extras.ContainsKey))
            {
                var copy = (System.Text.Json.Nodes.JsonObject)extras.DeepClone();
                foreach (var key in TrajectoryDroppedExtras)
                    copy.Remove(key);
                trajectory.Add(e with { Extras = copy });
            }
            else
            {
                trajectory.Add(e);
            }
        }
        return trajectory;
    }

    public static bool IsHidden(V0Event e) =>
        (e.Args ?? e.Extras) is { } fields && fields.TryGetPropertyValue("hidden", out var hidden) && hidden?.GetValueKind() == JsonValueKind.True;

    internal static string NotRunningText(string conversationId) =>
        $"Conversation {conversationId} is not running; start it with POST /api/conversations/{conversationId}/start.";

    private static string Message(Exception ex) => ex is AgentServerException a ? a.Detail : ex.Message;

    private static bool TryInt(string? text, string name, long fallback, out long value, out IResult? error)
    {
        error = null;
        value = fallback;
        if (text is null)
            return true;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
            return true;
        error = ApiErrors.Invalid("query." + name, "Input should be a valid integer, unable to parse string as an integer", "int_parsing");
        return false;
    }
}
