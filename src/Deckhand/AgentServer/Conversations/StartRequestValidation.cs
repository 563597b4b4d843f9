using System.Text.RegularExpressions;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Server;
using Deckhand.Engine.Secrets;
using Deckhand.Engine.Tools;
using Deckhand.Engine.Tools.Mcp;

namespace Deckhand.AgentServer.Conversations;

/// <summary>Checks a create request beyond JSON types: what Deckhand supports and OpenHands' value rules.</summary>
internal static partial class StartRequestValidation
{
    [GeneratedRegex("^[a-z0-9]+$")]
    private static partial Regex TagKey();

    public static List<FieldProblem> Validate(StartConversationRequest request, ToolRegistry tools)
    {
        var problems = new List<FieldProblem>();
        void Add(string location, string message, string type = "value_error") =>
            problems.Add(new FieldProblem(type, location.Split('.'), message));

        if (request.Agent is null)
        {
            Add("body.agent", request.AgentSettings is not null || request.AgentProfileId is not null
                ? "agent_settings and agent_profile_id are not supported by Deckhand yet; send a full 'agent' object."
                : "Field required: give an 'agent' with at least 'llm'.", "missing");
        }
        else
        {
            if (request.Agent.Kind != "Agent")
                Add("body.agent.kind", $"Unsupported agent kind '{request.Agent.Kind}'; only 'Agent' is supported.", "union_tag_invalid");
            if (string.IsNullOrWhiteSpace(request.Agent.Llm.Model))
                Add("body.agent.llm.model", "model must not be empty.");
            if (request.Agent.Llm.BaseUrl is { Length: > 0 } baseUrl
                && !(Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
                Add("body.agent.llm.base_url", "base_url must be an absolute http(s) URL.");
            var unknown = tools.Unknown(request.Agent.Tools.Select(t => t.Name));
            if (unknown.Count > 0)
                Add("body.agent.tools", $"Unknown tool(s): {string.Join(", ", unknown)}. This server has: {string.Join(", ", tools.UsableNames)}.");
            foreach (var (field, message) in Engine.Agent.Condensers.CondenserSettings.Problems(request.Agent.Condenser))
                Add("body.agent.condenser." + field, message);
            if (request.Agent.ToolConcurrencyLimit < 1)
                Add("body.agent.tool_concurrency_limit", "tool_concurrency_limit must be at least 1.", "greater_than_equal");
            foreach (var (location, message) in McpServerSpec.ParseAll(request.Agent.McpConfig).Problems)
                Add(location.Length > 0 ? "body.agent.mcp_config." + location : "body.agent.mcp_config", message);
        }
        if (request.Workspace.Kind != "LocalWorkspace")
            Add("body.workspace.kind", $"Unsupported workspace kind '{request.Workspace.Kind}'; only 'LocalWorkspace' is supported.", "union_tag_invalid");
        if (!Path.IsPathFullyQualified(request.Workspace.WorkingDir))
            Add("body.workspace.working_dir", "working_dir must be an absolute path.");
        if (ConfirmationEndpoints.PolicyProblem(request.ConfirmationPolicy, "body.confirmation_policy") is { } policyProblem)
            problems.Add(policyProblem);
        if (request.MaxIterations < 1)
            Add("body.max_iterations", "max_iterations must be at least 1.", "greater_than_equal");
        if (request.MaxBudgetPerTask is { } budget && !(budget > 0 && double.IsFinite(budget)))
            Add("body.max_budget_per_task", "max_budget_per_task must be a positive number of USD.", "greater_than");
        if (request.Worktree)
            Add("body.worktree", "worktree conversations are not supported by Deckhand yet.");
        if (TagProblem(request.Tags) is { } tagProblem)
            problems.Add(tagProblem);
        var secretProblems = new List<(string Name, string Error)>();
        SecretInput.ParseAll(request.Secrets, secretProblems);
        foreach (var (name, error) in secretProblems)
            problems.Add(new FieldProblem("value_error", ["body", "secrets", name], error));
        secretProblems.Clear();
        SecretInput.FromAgentContext(request.Agent?.AgentContext, secretProblems);
        foreach (var (name, error) in secretProblems)
            problems.Add(new FieldProblem("value_error", ["body", "agent", "agent_context", "secrets", name], error));
        if (request.ReplayJson is not null && request.InitialMessage is not null)
            Add("body.replay_json", "replay_json starts the conversation with the recording's own first message; do not send initial_message with it.");
        if (request.InitialMessage is { } initial && initial.Role != MessageRole.User)
            Add("body.initial_message.role", "Only 'user' messages can be sent.");
        return problems;
    }

    public static FieldProblem? TagProblem(IReadOnlyDictionary<string, string> tags)
    {
        foreach (var (key, value) in tags)
        {
            if (!TagKey().IsMatch(key))
                return new FieldProblem("string_pattern_mismatch", ["body", "tags", key], "Tag keys must be lowercase letters and digits.");
            if (value.Length > 256)
                return new FieldProblem("string_too_long", ["body", "tags", key], "Tag values must be at most 256 characters.");
        }
        return null;
    }

    public static Message ToMessage(SendMessageRequest request) => new() { Role = MessageRole.User, Content = request.Content };
}
