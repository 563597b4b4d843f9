using System.Globalization;
using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Bash;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Bash;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Deckhand.AgentServer.Bash;

/// <summary><c>/api/bash</c>: the server-side shell (not the agent's terminal) and its event log.</summary>
public static class BashEndpoints
{
    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapBash(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/bash").WithTags("Bash");
        group.MapPost("/start_bash_command", StartAsync).Accepts<ExecuteBashRequest>("application/json");
        group.MapPost("/execute_bash_command", ExecuteAsync).Accepts<ExecuteBashRequest>("application/json");
        group.MapGet("/bash_events/search", Search);
        group.MapGet("/bash_events/{event_id}", Get);
        group.MapDelete("/bash_events", Clear);
        return app;
    }

    private static async Task<IResult> StartAsync(HttpRequest request, BashService bash, AgentServerOptions options,
        CancellationToken cancellationToken)
    {
        var (body, error) = await ReadAsync(request, options, cancellationToken);
        if (error is not null)
            return error;
        var (command, _) = bash.Start(body!);
        return TypedResults.Json<BashEvent>(command, DeckhandJson.Wire.BashEvent);
    }

    private static async Task<IResult> ExecuteAsync(HttpRequest request, BashService bash, AgentServerOptions options,
        CancellationToken cancellationToken)
    {
        var (body, error) = await ReadAsync(request, options, cancellationToken);
        if (error is not null)
            return error;
        var (_, completion) = bash.Start(body!);
        // A client that hangs up stops waiting, not the command: it still ends (or times out) and is logged.
        var last = await completion.WaitAsync(cancellationToken);
        return TypedResults.Json<BashEvent>(last, DeckhandJson.Wire.BashEvent);
    }

    private static async Task<(ExecuteBashRequest? Body, IResult? Error)> ReadAsync(HttpRequest request, AgentServerOptions options,
        CancellationToken cancellationToken)
    {
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.ExecuteBashRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return (null, error);
        if (body!.Command is null)
            return (null, ApiErrors.Invalid("body.command", "Field required", "missing"));
        if (body.Timeout is < 1 or > BashService.MaxTimeoutSeconds)
            return (null, ApiErrors.Invalid("body.timeout", $"timeout must be between 1 and {BashService.MaxTimeoutSeconds} seconds.", "value_error"));
        if (body.Cwd is not null && (!Path.IsPathFullyQualified(body.Cwd) || !Directory.Exists(body.Cwd)))
            return (null, ApiErrors.Detail(StatusCodes.Status400BadRequest, $"cwd is not an existing directory (absolute path required): {body.Cwd}"));
        return (body, null);
    }

    private static IResult Search(BashService bash, string? kind__eq = null, string? command_id__eq = null,
        string? timestamp__gte = null, string? timestamp__lt = null, int? order__gt = null, string? sort_order = null,
        string? page_id = null, int limit = MaxPageSize)
    {
        if (limit is < 1 or > MaxPageSize)
            return ApiErrors.Invalid("query.limit", $"limit must be between 1 and {MaxPageSize}.", "less_than_equal");
        if (kind__eq is not (null or nameof(BashCommand) or nameof(BashOutput)))
            return ApiErrors.Invalid("query.kind__eq", "kind__eq must be BashCommand or BashOutput.", "literal_error");
        string? commandId = null;
        if (command_id__eq is not null)
        {
            if (!Guid.TryParse(command_id__eq, out var parsed))
                return ApiErrors.Invalid("query.command_id__eq", "Input should be a valid UUID.", "uuid_parsing");
            commandId = parsed.ToString("N");
        }
        if (!TryTime(timestamp__gte, out var gte))
            return ApiErrors.Invalid("query.timestamp__gte", "Input should be a valid datetime.", "datetime_parsing");
        if (!TryTime(timestamp__lt, out var lt))
            return ApiErrors.Invalid("query.timestamp__lt", "Input should be a valid datetime.", "datetime_parsing");
        bool descending;
        switch (sort_order ?? "TIMESTAMP")
        {
            case "TIMESTAMP": descending = false; break;
            case "TIMESTAMP_DESC": descending = true; break;
            default: return ApiErrors.Invalid("query.sort_order", "sort_order must be TIMESTAMP or TIMESTAMP_DESC.", "enum");
        }
        string? pageId = null;
        if (page_id is not null)
        {
            // OpenHands' page ids are its storage file names; Deckhand's are event ids. Both are opaque to clients.
            if (!Guid.TryParse(page_id, out var page))
                return ApiErrors.Invalid("query.page_id", "page_id must be a next_page_id from an earlier search.", "value_error");
            pageId = page.ToString("N");
        }
        var (items, next) = bash.Log.Search(new BashEventQuery
        {
            Kind = kind__eq,
            CommandId = commandId,
            TimestampGte = gte,
            TimestampLt = lt,
            OrderGt = order__gt,
            Descending = descending,
            PageId = pageId,
            Limit = limit,
        });
        return TypedResults.Json(new BashEventPage(items, next), DeckhandJson.Wire.BashEventPage);
    }

    private static IResult Get(string event_id, BashService bash)
    {
        if (!Guid.TryParse(event_id, out var id))
            return ApiErrors.BadUuid("event_id");
        return bash.Log.Get(id.ToString("N")) is { } found
            ? TypedResults.Json(found, DeckhandJson.Wire.BashEvent)
            : ApiErrors.NotFound();
    }

    private static JsonHttpResult<BashClearResult> Clear(BashService bash) =>
        TypedResults.Json(new BashClearResult(bash.Log.Clear()), DeckhandJson.Wire.BashClearResult);

    /// <summary>Bash event times are UTC; a filter time without an offset is taken as UTC too.</summary>
    private static bool TryTime(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (text is null)
            return true;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            return false;
        value = parsed;
        return true;
    }
}
