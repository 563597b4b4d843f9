using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.AgentServer.Http;
using Deckhand.AppServer.Events;
using Deckhand.AppServer.Users;
using Deckhand.Client;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;
using Microsoft.Net.Http.Headers;

namespace Deckhand.AppServer.AppConversations;

/// <summary>
/// The [LATER] per-conversation reads of <c>/api/v1/app-conversations/{id}</c> (V1 spec §2): <c>/file</c> (a workspace
/// file as a JSON string), <c>/download</c> (the trajectory as a zip, from the app server's event copy), and
/// <c>/skills</c> and <c>/hooks</c> (asked of the sandbox's agent-server).
/// </summary>
public static class AppConversationWorkspaceEndpoints
{
    private static readonly string[] HookEventTypes = ["pre_tool_use", "post_tool_use", "user_prompt_submit", "session_start", "session_end", "stop"];

    public static IEndpointRouteBuilder MapAppConversationWorkspace(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/app-conversations/{conversation_id}").WithTags("App conversations");
        group.MapGet("/file", FileAsync).Produces<string>();
        group.MapGet("/download", DownloadAsync).Produces(StatusCodes.Status200OK, contentType: "application/zip");
        group.MapGet("/skills", SkillsAsync);
        group.MapGet("/hooks", HooksAsync);
        return app;
    }

    /// <summary>The file (default <c>PLAN.md</c> of the working directory; relative paths are relative to it) as text; <c>""</c> on any problem.</summary>
    private static async Task<IResult> FileAsync(ConversationTargets targets, CurrentUser user, string conversation_id, string? file_path,
        CancellationToken cancellationToken)
    {
        var text = "";
        try
        {
            if (Ids.TryParse(conversation_id, out var id) && await targets.FindAsync(user.Id, id, cancellationToken: cancellationToken) is { Agent: { } agent }
                && await agent.GetConversationAsync(id, cancellationToken) is { } info)
            {
                var dir = info.Workspace.WorkingDir;
                var path = string.IsNullOrEmpty(file_path) ? Path.Join(dir, "PLAN.md")
                    : Path.IsPathRooted(file_path) ? file_path : Path.Join(dir, file_path);
                if (await agent.DownloadFileAsync(path, cancellationToken) is { } bytes)
                    text = Encoding.UTF8.GetString(bytes);
            }
        }
        catch (Exception ex) when (ex is AgentServerException or HttpRequestException)
        {
            text = "";
        }
        return TypedResults.Json(text, DeckhandJson.Wire.String);
    }

    /// <summary><c>meta.json</c> (the conversation) and <c>event_000000_&lt;event id&gt;.json</c>... for every stored event, in order.</summary>
    private static async Task<IResult> DownloadAsync(AppConversationService service, ConversationEventStore store, CurrentUser user,
        string conversation_id, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!Ids.TryParse(conversation_id, out var id) || await service.GetAsync(user.Id, id, cancellationToken) is not { } conversation)
            return ApiErrors.NotFound("Conversation not found");
        var events = await store.ReadAfterAsync(id, 0, cancellationToken);
        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            await WriteEntryAsync(zip, "meta.json", JsonSerializer.SerializeToUtf8Bytes(conversation, DeckhandJson.Wire.AppConversation), cancellationToken);
            for (var i = 0; i < events.Count; i++)
            {
                var json = events[i].Json;
                await WriteEntryAsync(zip, $"event_{i:D6}_{EventId(json) ?? events[i].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)}.json",
                    Encoding.UTF8.GetBytes(json), cancellationToken);
            }
        }
        buffer.Position = 0;
        response.Headers[HeaderNames.ContentDisposition] = $"attachment; filename=\"conversation_{Ids.Hex(id)}.zip\"";
        return TypedResults.Stream(buffer, "application/zip");
    }

    private static async Task WriteEntryAsync(ZipArchive zip, string name, byte[] content, CancellationToken cancellationToken)
    {
        await using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        await stream.WriteAsync(content, cancellationToken);
    }

    private static string? EventId(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                && id.GetString() is { Length: > 0 } text && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? text : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><c>{"skills":[{"name","type","content","triggers"}]}</c> of the working directory; <c>[]</c> while the sandbox is paused.</summary>
    private static async Task<IResult> SkillsAsync(ConversationTargets targets, CurrentUser user, string conversation_id, CancellationToken cancellationToken)
    {
        var (target, dir, problem) = await WorkingDirectoryAsync(targets, user, conversation_id, cancellationToken);
        if (problem is not null)
            return problem;
        var skills = new JsonArray();
        if (target!.Agent is { } agent)
        {
            try
            {
                foreach (var skill in (await agent.ListSkillsAsync(dir, cancellationToken)).Skills)
                    skills.Add((JsonNode)new JsonObject
                    {
                        ["name"] = skill.Name,
                        ["type"] = skill.Type,
                        ["content"] = skill.Content,
                        ["triggers"] = new JsonArray([.. skill.Triggers.Select(t => (JsonNode?)t)]),
                    });
            }
            catch (Exception ex) when (ex is AgentServerException or HttpRequestException)
            {
                return Error(StatusCodes.Status502BadGateway, $"Error getting skills: {Message(ex)}");
            }
        }
        return TypedResults.Json(new JsonObject { ["skills"] = skills }, DeckhandJson.Wire.JsonObject);
    }

    /// <summary><c>{"hooks":[{"event_type","matchers"}]}</c> from the project's <c>.openhands/hooks.json</c>; <c>[]</c> while paused.</summary>
    private static async Task<IResult> HooksAsync(ConversationTargets targets, CurrentUser user, string conversation_id, CancellationToken cancellationToken)
    {
        var (target, dir, problem) = await WorkingDirectoryAsync(targets, user, conversation_id, cancellationToken);
        if (problem is not null)
            return problem;
        var hooks = new JsonArray();
        if (target!.Agent is { } agent)
        {
            JsonElement? config;
            try
            {
                config = await agent.GetHooksAsync(dir, cancellationToken);
            }
            catch (Exception ex) when (ex is AgentServerException or HttpRequestException)
            {
                return Error(StatusCodes.Status502BadGateway, $"Error getting hooks: {Message(ex)}");
            }
            foreach (var type in HookEventTypes)
            {
                if (config is { } c && c.TryGetProperty(type, out var matchers) && matchers.ValueKind == JsonValueKind.Array && matchers.GetArrayLength() > 0)
                    hooks.Add((JsonNode)new JsonObject { ["event_type"] = type, ["matchers"] = JsonNode.Parse(matchers.GetRawText()) });
            }
        }
        return TypedResults.Json(new JsonObject { ["hooks"] = hooks }, DeckhandJson.Wire.JsonObject);
    }

    /// <summary>
    /// The conversation and its working directory when its sandbox runs; no directory (and no problem) while it is
    /// paused; a 404 <c>{"error"}</c> when it is unknown or its sandbox is neither running nor paused.
    /// </summary>
    private static async Task<(ConversationTarget? Target, string? Dir, IResult? Problem)> WorkingDirectoryAsync(ConversationTargets targets,
        CurrentUser user, string conversationId, CancellationToken cancellationToken)
    {
        if (!Ids.TryParse(conversationId, out var id) || await targets.FindAsync(user.Id, id, cancellationToken: cancellationToken) is not { } target)
            return (null, null, Error(StatusCodes.Status404NotFound, "Conversation not found"));
        if (target.Status == SandboxStatus.Paused)
            return (target with { Agent = null }, null, null);
        if (target.Agent is not { } agent)
            return (null, null, Error(StatusCodes.Status404NotFound, $"Sandbox is not running ({target.Status.ToString().ToUpperInvariant()})"));
        try
        {
            return await agent.GetConversationAsync(id, cancellationToken) is { } info
                ? (target, info.Workspace.WorkingDir, null)
                : (null, null, Error(StatusCodes.Status404NotFound, "The sandbox does not know this conversation"));
        }
        catch (Exception ex) when (ex is AgentServerException or HttpRequestException)
        {
            return (null, null, Error(StatusCodes.Status502BadGateway, $"The sandbox did not answer: {Message(ex)}"));
        }
    }

    private static IResult Error(int status, string message) =>
        TypedResults.Json(new JsonObject { ["error"] = message }, DeckhandJson.Wire.JsonObject, statusCode: status);

    private static string Message(Exception ex) => ex is AgentServerException a ? a.Detail : ex.Message;
}
