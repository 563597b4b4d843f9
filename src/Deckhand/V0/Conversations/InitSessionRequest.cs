using System.Text.Json;
using Deckhand.Contracts.Server;

namespace Deckhand.V0.Conversations;

/// <summary><c>suggested_task</c> of <see cref="InitSessionRequest"/>.</summary>
public sealed record SuggestedTask(string? GitProvider, string TaskType, string Repo, int IssueNumber, string Title);

/// <summary><c>create_microagent</c> of <see cref="InitSessionRequest"/>.</summary>
public sealed record CreateMicroagent(string Repo, string? GitProvider, string? Title);

/// <summary>
/// The V0 create body (V0 spec §2.3), read by hand so it can be as strict as upstream's <c>extra='forbid'</c>: unknown
/// keys (and <c>conversation_id</c> unless allowed) and wrong types give FastAPI-shaped 422 problems.
/// </summary>
public sealed record InitSessionRequest
{
    public static readonly string[] Providers = ["github", "gitlab", "bitbucket", "enterprise_sso"];
    public static readonly string[] TaskTypes = ["MERGE_CONFLICTS", "FAILING_CHECKS", "UNRESOLVED_COMMENTS", "OPEN_ISSUE", "OPEN_PR", "CREATE_MICROAGENT"];

    public string? Repository { get; init; }
    public string? GitProvider { get; init; }
    public string? SelectedBranch { get; init; }
    public string? InitialUserMsg { get; init; }
    public IReadOnlyList<string>? ImageUrls { get; init; }
    public string? ReplayJson { get; init; }
    public SuggestedTask? SuggestedTask { get; init; }
    public CreateMicroagent? CreateMicroagent { get; init; }
    public string? ConversationInstructions { get; init; }
    public JsonElement? McpConfig { get; init; }
    public string? ConversationId { get; init; }

    public static (InitSessionRequest? Request, IReadOnlyList<FieldProblem> Problems) Parse(JsonElement body, bool allowConversationId)
    {
        var problems = new List<FieldProblem>();
        if (body.ValueKind != JsonValueKind.Object)
            return (null, [new FieldProblem("model_attributes_type", ["body"], "Input should be a valid dictionary or object to extract fields from")]);
        var request = new InitSessionRequest();
        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "repository":
                    request = request with { Repository = Text(value, "repository", problems) };
                    break;
                case "git_provider":
                    request = request with { GitProvider = Provider(value, ["body", "git_provider"], problems) };
                    break;
                case "selected_branch":
                    request = request with { SelectedBranch = Text(value, "selected_branch", problems) };
                    break;
                case "initial_user_msg":
                    request = request with { InitialUserMsg = Text(value, "initial_user_msg", problems) };
                    break;
                case "image_urls":
                    request = request with { ImageUrls = TextList(value, ["body", "image_urls"], problems) };
                    break;
                case "replay_json":
                    request = request with { ReplayJson = Replay(value, problems) };
                    break;
                case "suggested_task":
                    request = request with { SuggestedTask = Suggested(value, problems) };
                    break;
                case "create_microagent":
                    request = request with { CreateMicroagent = Microagent(value, problems) };
                    break;
                case "conversation_instructions":
                    request = request with { ConversationInstructions = Text(value, "conversation_instructions", problems) };
                    break;
                case "mcp_config":
                    request = request with { McpConfig = Mcp(value, problems) };
                    break;
                case "conversation_id" when allowConversationId:
                    request = request with { ConversationId = Text(value, "conversation_id", problems) };
                    break;
                default:
                    problems.Add(new FieldProblem("extra_forbidden", ["body", property.Name], "Extra inputs are not permitted"));
                    break;
            }
        }
        if (request.ReplayJson is not null && !string.IsNullOrEmpty(request.InitialUserMsg))
            problems.Add(new FieldProblem("value_error", ["body", "replay_json"], "replay_json cannot be combined with initial_user_msg: the trajectory's first message starts the conversation."));
        return problems.Count > 0 ? (null, problems) : (request, []);
    }

    private static string? Text(JsonElement value, string field, List<FieldProblem> problems) => Text(value, ["body", field], problems);

    private static string? Text(JsonElement value, string[] loc, List<FieldProblem> problems)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.String)
            return value.GetString();
        problems.Add(new FieldProblem("string_type", loc, "Input should be a valid string"));
        return null;
    }

    private static string? Provider(JsonElement value, string[] loc, List<FieldProblem> problems)
    {
        var text = Text(value, loc, problems);
        if (text is not null && !Providers.Contains(text))
        {
            problems.Add(new FieldProblem("enum", loc, "Input should be 'github', 'gitlab', 'bitbucket' or 'enterprise_sso'"));
            return null;
        }
        return text;
    }

    private static List<string>? TextList(JsonElement value, string[] loc, List<FieldProblem> problems)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Array)
        {
            problems.Add(new FieldProblem("list_type", loc, "Input should be a valid list"));
            return null;
        }
        var items = new List<string>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
                items.Add(item.GetString()!);
            else
                problems.Add(new FieldProblem("string_type", [.. loc, i.ToString(System.Globalization.CultureInfo.InvariantCulture)], "Input should be a valid string"));
            i++;
        }
        return items;
    }

    /// <summary>The trajectory text, kept as given once it is known to be a JSON list of event objects.</summary>
    private static string? Replay(JsonElement value, List<FieldProblem> problems)
    {
        var text = Text(value, "replay_json", problems);
        if (text is null)
            return null;
        // The same check the agent-server makes, so a bad trajectory is refused here and not as a start-task ERROR later.
        if (Deckhand.Engine.Replay.V0Trajectory.TryParse(text, "/workspace", out _, out var error))
            return text;
        problems.Add(new FieldProblem("value_error", ["body", "replay_json"], $"replay_json is not a replayable trajectory: {error}"));
        return null;
    }

    private static SuggestedTask? Suggested(JsonElement value, List<FieldProblem> problems)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return null;
        if (!Object(value, "suggested_task", problems))
            return null;
        var before = problems.Count;
        string? provider = null, type = null, repo = null, title = null;
        var issue = 0;
        foreach (var p in value.EnumerateObject())
        {
            string[] loc = ["body", "suggested_task", p.Name];
            switch (p.Name)
            {
                case "git_provider": provider = Provider(p.Value, loc, problems); break;
                case "task_type":
                    type = Text(p.Value, loc, problems);
                    if (type is not null && !TaskTypes.Contains(type))
                        problems.Add(new FieldProblem("enum", loc, "Input should be one of " + string.Join(", ", TaskTypes.Select(t => $"'{t}'"))));
                    break;
                case "repo": repo = Text(p.Value, loc, problems); break;
                case "title": title = Text(p.Value, loc, problems); break;
                case "issue_number":
                    if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var n))
                        issue = n;
                    else
                        problems.Add(new FieldProblem("int_type", loc, "Input should be a valid integer"));
                    break;
                default: problems.Add(new FieldProblem("extra_forbidden", loc, "Extra inputs are not permitted")); break;
            }
        }
        Required(value, "suggested_task", ["task_type", "repo", "issue_number", "title"], problems);
        return problems.Count > before ? null : new SuggestedTask(provider, type!, repo!, issue, title!);
    }

    private static CreateMicroagent? Microagent(JsonElement value, List<FieldProblem> problems)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return null;
        if (!Object(value, "create_microagent", problems))
            return null;
        var before = problems.Count;
        string? repo = null, provider = null, title = null;
        foreach (var p in value.EnumerateObject())
        {
            string[] loc = ["body", "create_microagent", p.Name];
            switch (p.Name)
            {
                case "repo": repo = Text(p.Value, loc, problems); break;
                case "git_provider": provider = Provider(p.Value, loc, problems); break;
                case "title": title = Text(p.Value, loc, problems); break;
                default: problems.Add(new FieldProblem("extra_forbidden", loc, "Extra inputs are not permitted")); break;
            }
        }
        Required(value, "create_microagent", ["repo"], problems);
        return problems.Count > before ? null : new CreateMicroagent(repo!, provider, title);
    }

    /// <summary>MCPConfig (<c>extra='forbid'</c>): only the three server lists, each a list.</summary>
    private static JsonElement? Mcp(JsonElement value, List<FieldProblem> problems)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return null;
        if (!Object(value, "mcp_config", problems))
            return null;
        var before = problems.Count;
        foreach (var p in value.EnumerateObject())
        {
            string[] loc = ["body", "mcp_config", p.Name];
            if (p.Name is not ("sse_servers" or "stdio_servers" or "shttp_servers"))
                problems.Add(new FieldProblem("extra_forbidden", loc, "Extra inputs are not permitted"));
            else if (p.Value.ValueKind != JsonValueKind.Array)
                problems.Add(new FieldProblem("list_type", loc, "Input should be a valid list"));
        }
        return problems.Count > before ? null : value.Clone();
    }

    private static bool Object(JsonElement value, string field, List<FieldProblem> problems)
    {
        if (value.ValueKind == JsonValueKind.Object)
            return true;
        problems.Add(new FieldProblem("model_type", ["body", field], "Input should be a valid dictionary or object"));
        return false;
    }

    private static void Required(JsonElement value, string field, string[] names, List<FieldProblem> problems)
    {
        foreach (var name in names)
        {
            if (!value.TryGetProperty(name, out _))
                problems.Add(new FieldProblem("missing", ["body", field, name], "Field required"));
        }
    }
}
