using System.Text.Json;
using System.Text.Json.Serialization;

namespace Deckhand.Contracts.AppServer;

/// <summary>
/// <c>GET /api/options/config</c> (V0 spec §1.2; web-app-calls.md §2): <c>APP_MODE</c> <c>oss</c> turns the OpenHands web
/// app's auth, billing and tracking off. <c>POSTHOG_CLIENT_KEY</c> is always empty: any value starts analytics in the browser.
/// </summary>
public sealed record WebAppConfig
{
    [JsonPropertyName("APP_MODE")]
    public string AppMode { get; set; } = "oss";

    [JsonPropertyName("GITHUB_CLIENT_ID")]
    public string GithubClientId { get; set; } = "";

    [JsonPropertyName("POSTHOG_CLIENT_KEY")]
    public string PosthogClientKey { get; set; } = "";

    [JsonPropertyName("PROVIDERS_CONFIGURED")]
    public IReadOnlyList<string> ProvidersConfigured { get; set; } = [];

    [JsonPropertyName("FEATURE_FLAGS")]
    public WebAppFeatureFlags FeatureFlags { get; set; } = new();
}

/// <summary>The feature flags of <see cref="WebAppConfig"/>; all off in a self-hosted server.</summary>
public sealed record WebAppFeatureFlags
{
    [JsonPropertyName("ENABLE_BILLING")]
    public bool EnableBilling { get; set; }

    [JsonPropertyName("HIDE_LLM_SETTINGS")]
    public bool HideLlmSettings { get; set; }

    [JsonPropertyName("ENABLE_JIRA")]
    public bool EnableJira { get; set; }

    [JsonPropertyName("ENABLE_JIRA_DC")]
    public bool EnableJiraDc { get; set; }

    [JsonPropertyName("ENABLE_LINEAR")]
    public bool EnableLinear { get; set; }
}

/// <summary><c>GET /server_info</c> (V0 spec §1.1): the app server process's uptime and resource use.</summary>
public sealed record AppServerInfo(double Uptime, double IdleTime, ServerResources Resources);

public sealed record ServerResources(double CpuPercent, ServerMemory Memory, ServerDisk Disk, ServerIo Io);

public sealed record ServerMemory(long Rss, long Vms, double Percent);

public sealed record ServerDisk(long Total, long Used, long Free, double Percent);

public sealed record ServerIo(long ReadBytes, long WriteBytes);

/// <summary>One provider's entry in <c>POST /api/add-git-providers</c>.</summary>
public sealed record ProviderTokenInput
{
    public string? Token { get; set; }
    public string? Host { get; set; }
    public string? UserId { get; set; }
}

/// <summary>The body of <c>POST /api/add-git-providers</c> (V0 spec §1.6); <c>mcp_config</c> is accepted and not used.</summary>
public sealed record AddGitProvidersRequest
{
    public Dictionary<string, ProviderTokenInput>? ProviderTokens { get; set; }
    public JsonElement? McpConfig { get; set; }
}

/// <summary><c>GET /api/user/info</c>: the git provider account of the stored token.</summary>
public sealed record GitUser(string Id, string Login, string AvatarUrl, string? Company, string? Name, string? Email);

/// <summary>A repository as <c>/api/user/repositories</c> and <c>/api/user/search/repositories</c> list it.</summary>
public sealed record GitRepository(string Id, string FullName, string GitProvider, bool IsPublic, int? StargazersCount, string? LinkHeader,
    string? PushedAt, string? OwnerType, string? MainBranch);

/// <summary>A branch as the <c>/api/user</c> branch routes list it.</summary>
public sealed record GitBranch(string Name, string CommitSha, bool Protected, string? LastPushDate);

/// <summary><c>GET /api/user/repository/branches</c>: one page of branches.</summary>
public sealed record GitBranchPage(IReadOnlyList<GitBranch> Branches, bool HasNextPage, int CurrentPage, int PerPage, int? TotalCount);

/// <summary>A microagent file found in a repository (<c>GET /api/user/repository/{repo}/microagents</c>).</summary>
public sealed record RepositoryMicroagent(string Name, string Path, string CreatedAt);

/// <summary><c>GET /api/user/repository/{repo}/microagents/content</c>.</summary>
public sealed record RepositoryMicroagentContent(string Content, string Path, IReadOnlyList<string> Triggers, string? GitProvider);
