using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Deckhand.AgentServer.Http;
using Deckhand.AppServer;
using Deckhand.Client;
using Deckhand.Contracts.Json;
using Deckhand.V0.Events;

namespace Deckhand.V0.ConversationRoutes;

/// <summary><c>microagents</c>, <c>remember-prompt</c> and <c>submit-feedback</c> of a conversation (spec §1.3, §1.4).</summary>
internal static partial class AgentRoutes
{
    private static readonly HttpClient FeedbackHttp = new() { Timeout = TimeSpan.FromSeconds(30) };
    private static readonly HashSet<string> NotRemembered = ["null", "change_agent_state", "agent_state_changed"];

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/microagents", MicroagentsAsync);
        group.MapGet("/remember-prompt", RememberPromptAsync);
        group.MapPost("/submit-feedback", SubmitFeedbackAsync).Accepts<JsonElement>("application/json");
    }

    /// <summary>The user and repository skills of the workspace, from the agent-server's <c>POST /api/skills</c>.</summary>
    private static async Task<IResult> MicroagentsAsync(V0Conversations conversations, string conversation_id, CancellationToken cancellationToken)
    {
        var (target, problem) = await conversations.FindAsync(conversation_id, cancellationToken);
        if (target is null)
            return problem!;
        Contracts.Skills.SkillsResponse skills;
        try
        {
            if (await conversations.WorkspaceAsync(target, cancellationToken) is not { } workspace)
                return V0Json.Error(StatusCodes.Status404NotFound, "Agent session not found for this conversation");
            skills = await workspace.Agent.ListSkillsAsync(workspace.AgentDir, cancellationToken);
        }
        catch (Exception ex) when (ex is AgentServerException or HttpRequestException or IOException or UnauthorizedAccessException)
        {
            return V0Json.Error(StatusCodes.Status502BadGateway, $"Error getting microagents: {Message(ex)}");
        }
        return V0Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("microagents");
            foreach (var skill in skills.Skills)
            {
                w.WriteStartObject();
                w.WriteString("name", skill.Name);
                w.WriteString("type", skill.Type == "repo" ? "repo" : "knowledge");
                w.WriteString("content", skill.Content);
                w.WriteStartArray("triggers");
                foreach (var trigger in skill.Triggers)
                    w.WriteStringValue(trigger);
                w.WriteEndArray();
                w.WriteStartArray("inputs");
                w.WriteEndArray();
                w.WriteStartArray("tools");
                foreach (var tool in skill.AllowedTools ?? [])
                    w.WriteStringValue(tool);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// Asks the conversation's own LLM (agent-server <c>ask_agent</c>, which records nothing) for a note worth keeping,
    /// from up to 4 events before <c>event_id</c> and 5 from it.
    /// </summary>
    private static async Task<IResult> RememberPromptAsync(V0Conversations conversations, V0History history, string conversation_id, string? event_id,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(event_id))
            return ApiErrors.Invalid("query.event_id", "Field required", "missing");
        if (!long.TryParse(event_id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var eventId))
            return ApiErrors.Invalid("query.event_id", "Input should be a valid integer, unable to parse string as an integer", "int_parsing");
        var (target, problem) = await conversations.FindAsync(conversation_id, cancellationToken);
        if (target is null)
            return problem!;
        if (target.Agent is not { } agent)
            return ApiErrors.Detail(StatusCodes.Status409Conflict, EventRoutes.NotRunningText(conversation_id));
        var (events, _) = await history.LoadAsync(target.Id, cancellationToken);
        var useful = events.Where(e => e.Id is not null && !NotRemembered.Contains(e.Type) && !EventRoutes.IsHidden(e)).ToList();
        var excerpt = useful.Where(e => e.Id < eventId).TakeLast(4).Concat(useful.Where(e => e.Id >= eventId).Take(5)).ToList();
        string answer;
        try
        {
            answer = await agent.AskAgentAsync(target.Id, RememberQuestion(excerpt), cancellationToken);
        }
        catch (Exception ex) when (ex is AgentServerException or HttpRequestException)
        {
            return ApiErrors.Detail(StatusCodes.Status502BadGateway, $"The conversation's LLM did not answer: {Message(ex)}");
        }
        var match = UpdatePrompt().Match(answer);
        var prompt = (match.Success ? match.Groups[1].Value : answer).Trim();
        return V0Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "success");
            w.WriteString("prompt", prompt);
            w.WriteEndObject();
        });
    }

    private static string RememberQuestion(IReadOnlyList<V0Event> excerpt)
    {
        var sb = new StringBuilder();
        sb.AppendLine("Here is part of this session. Write one short, durable instruction that would help in future work on this repository:");
        sb.AppendLine("a project convention, a command that works, or a mistake to avoid. Reply with only the instruction, wrapped in");
        sb.AppendLine("<update_prompt> and </update_prompt>.");
        sb.AppendLine();
        foreach (var e in excerpt)
        {
            var text = e.IsAction ? e.Message : (string.IsNullOrEmpty(e.Content) ? e.Message : e.Content);
            if (text.Length > 2000)
                text = text[..2000] + " [...]";
            sb.Append('[').Append(e.Source).Append(' ').Append(e.Type).Append("] ").AppendLine(text);
        }
        return sb.ToString();
    }

    /// <summary>
    /// Shares the trajectory with the configured feedback service (<see cref="AppServerOptions.FeedbackUrl"/>) and
    /// answers with its JSON. Without one configured nothing leaves the server: 501.
    /// </summary>
    private static async Task<IResult> SubmitFeedbackAsync(V0Conversations conversations, V0History history, string conversation_id,
        HttpRequest request, AppServerOptions options, CancellationToken cancellationToken)
    {
        var (target, problem) = await conversations.FindAsync(conversation_id, cancellationToken);
        if (target is null)
            return problem!;
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.JsonElement, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        if (body.ValueKind != JsonValueKind.Object)
            return ApiErrors.Invalid("body", "The body must be a JSON object.", "model_type");
        string? Field(string name) => body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var (email, version, permissions, polarity) = (Field("email"), Field("version"), Field("permissions") ?? "private", Field("polarity"));
        if (email is null)
            return ApiErrors.Invalid("body.email", "Field required: a string 'email'.", "missing");
        if (version is null)
            return ApiErrors.Invalid("body.version", "Field required: a string 'version'.", "missing");
        if (permissions is not ("public" or "private"))
            return ApiErrors.Invalid("body.permissions", "Input should be 'public' or 'private'", "literal_error");
        if (polarity is not ("positive" or "negative"))
            return ApiErrors.Invalid("body.polarity", "Input should be 'positive' or 'negative'", "literal_error");
        if (string.IsNullOrEmpty(options.FeedbackUrl))
            return V0Json.Error(StatusCodes.Status501NotImplemented,
                "Feedback sharing is not configured on this server: set DECKHAND_FEEDBACK_URL to the service that should receive trajectories.");

        var trajectory = await EventRoutes.TrajectoryOfAsync(history, target.Id, cancellationToken);
        var payload = new MemoryStream();
        using (var w = new Utf8JsonWriter(payload))
        {
            w.WriteStartObject();
            w.WriteString("version", version);
            w.WriteString("email", email);
            w.WriteString("polarity", polarity);
            w.WriteString("feedback", polarity);
            w.WriteString("permissions", permissions);
            w.WriteStartArray("trajectory");
            foreach (var e in trajectory)
                e.WriteTo(w);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        try
        {
            using var content = new ByteArrayContent(payload.ToArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await FeedbackHttp.PostAsync(options.FeedbackUrl, content, cancellationToken);
            var answer = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                return V0Json.Error(StatusCodes.Status502BadGateway, $"Failed to submit feedback: the feedback service answered {(int)response.StatusCode}.");
            using var _ = JsonDocument.Parse(answer);
            return TypedResults.Text(answer, "application/json", Encoding.UTF8);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return V0Json.Error(StatusCodes.Status502BadGateway, $"Failed to submit feedback: {ex.Message}");
        }
    }

    private static string Message(Exception ex) => ex is AgentServerException a ? a.Detail : ex.Message;

    [GeneratedRegex("<update_prompt>(.*?)</update_prompt>", RegexOptions.Singleline)]
    private static partial Regex UpdatePrompt();
}
