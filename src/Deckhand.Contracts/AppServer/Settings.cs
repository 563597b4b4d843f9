using System.Text.Json;
using Deckhand.Contracts.Json;

namespace Deckhand.Contracts.AppServer;

/// <summary>
/// A user's settings (OpenHands <c>Settings</c>): the body of <c>POST /api/settings</c>, what is stored (encrypted), and,
/// with <c>id</c>, <c>GET /api/v1/users/me</c>. Secret fields are <see cref="SecretString"/>: every response masks them.
/// Unknown fields are ignored.
/// </summary>
public sealed record UserSettings
{
    public string? Language { get; set; }
    public string? Agent { get; set; }
    public int? MaxIterations { get; set; }
    public string? SecurityAnalyzer { get; set; }
    public bool? ConfirmationMode { get; set; }
    public string? LlmModel { get; set; }
    public SecretString? LlmApiKey { get; set; }
    public string? LlmBaseUrl { get; set; }
    public int? RemoteRuntimeResourceFactor { get; set; }
    public bool EnableDefaultCondenser { get; set; } = true;
    public bool EnableSoundNotifications { get; set; }
    public bool EnableProactiveConversationStarters { get; set; } = true;
    public bool EnableSolvabilityAnalysis { get; set; } = true;
    public bool? UserConsentsToAnalytics { get; set; }
    public string? SandboxBaseContainerImage { get; set; }
    public string? SandboxRuntimeContainerImage { get; set; }
    /// <summary><c>{"sse_servers": [...], "stdio_servers": [...], "shttp_servers": [...]}</c>; kept as given.</summary>
    public JsonElement? McpConfig { get; set; }
    public SecretString? SearchApiKey { get; set; }
    public SecretString? SandboxApiKey { get; set; }
    public double? MaxBudgetPerTask { get; set; }
    /// <summary>At least 20 when set.</summary>
    public int? CondenserMaxSize { get; set; }
    public string? Email { get; set; }
    public bool? EmailVerified { get; set; }
    public string? GitUserName { get; set; }
    public string? GitUserEmail { get; set; }
}

/// <summary>A custom secret's public face: its name and description, never its value.</summary>
public sealed record CustomSecretInfo(string Name, string? Description);

/// <summary><c>GET /api/secrets</c>.</summary>
public sealed record CustomSecretList(IReadOnlyList<CustomSecretInfo> CustomSecrets);

/// <summary><c>POST /api/secrets</c>.</summary>
public sealed record CreateSecretRequest
{
    public required string Name { get; init; }
    public required string Value { get; init; }
    public string? Description { get; set; }
}

/// <summary><c>PUT /api/secrets/{name}</c>: rename or describe; the value is kept.</summary>
public sealed record UpdateSecretRequest
{
    public required string Name { get; init; }
    public string? Description { get; set; }
}

/// <summary>The settings and secrets routes answer <c>{"message": ...}</c> (success and some 400s).</summary>
public sealed record MessageBody(string Message);

/// <summary>The settings and secrets routes answer failures with <c>{"error": ...}</c>.</summary>
public sealed record ErrorBody(string Error);
