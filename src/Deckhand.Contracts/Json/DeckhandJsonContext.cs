using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Bash;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Git;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Mcp;
using Deckhand.Contracts.Server;
using Deckhand.Contracts.Skills;
using Deckhand.Contracts.Tools;

namespace Deckhand.Contracts.Json;

/// <summary>The one source-generated JSON context, shared by HTTP, WebSocket, storage and CLI.</summary>
/// <remarks>
/// Contract properties with a default are <c>{ get; set; }</c>, not <c>init</c>: the source generator sets every
/// init-only property in its object initializer, so a field missing from the JSON would lose its default
/// (dotnet/runtime#84484). <c>required</c> properties stay <c>init</c>. DefaultsTests guards this.
/// </remarks>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    AllowOutOfOrderMetadataProperties = true,
    RespectRequiredConstructorParameters = true,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(Event))]
[JsonSerializable(typeof(IReadOnlyList<Event>))]
[JsonSerializable(typeof(List<Event?>))]
[JsonSerializable(typeof(ContentItem))]
[JsonSerializable(typeof(List<ContentItem>))]
[JsonSerializable(typeof(IReadOnlyList<ContentItem>))]
[JsonSerializable(typeof(Message))]
[JsonSerializable(typeof(LlmCheckResult))]
[JsonSerializable(typeof(LlmConfig))]
[JsonSerializable(typeof(ToolAction))]
[JsonSerializable(typeof(ToolObservation))]
[JsonSerializable(typeof(ConversationState))]
[JsonSerializable(typeof(ConversationSnapshot))]
[JsonSerializable(typeof(ConversationInfo))]
[JsonSerializable(typeof(List<ConversationInfo?>))]
[JsonSerializable(typeof(ConversationPage))]
[JsonSerializable(typeof(EventPage))]
[JsonSerializable(typeof(StartConversationRequest))]
[JsonSerializable(typeof(SendMessageRequest))]
[JsonSerializable(typeof(UpdateConversationRequest))]
[JsonSerializable(typeof(ForkConversationRequest))]
[JsonSerializable(typeof(AskAgentRequest))]
[JsonSerializable(typeof(AskAgentResponse))]
[JsonSerializable(typeof(UpdateSecretsRequest))]
[JsonSerializable(typeof(SecretSource))]
[JsonSerializable(typeof(SecretRegistry))]
[JsonSerializable(typeof(ConversationSkills))]
[JsonSerializable(typeof(SkillsRequest))]
[JsonSerializable(typeof(SkillsResponse))]
[JsonSerializable(typeof(SuccessResponse))]
[JsonSerializable(typeof(AgentFinalResponse))]
[JsonSerializable(typeof(ServerInfo))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(ErrorDetail))]
[JsonSerializable(typeof(ValidationErrorBody))]
[JsonSerializable(typeof(ExecutionStatus))]
[JsonSerializable(typeof(ConversationStats))]
[JsonSerializable(typeof(ConfirmationPolicy))]
[JsonSerializable(typeof(SecurityAnalyzer))]
[JsonSerializable(typeof(SetConfirmationPolicyRequest))]
[JsonSerializable(typeof(SetSecurityAnalyzerRequest))]
[JsonSerializable(typeof(ConfirmationResponseRequest))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(ExecuteBashRequest))]
[JsonSerializable(typeof(BashEvent))]
[JsonSerializable(typeof(BashEventPage))]
[JsonSerializable(typeof(BashClearResult))]
[JsonSerializable(typeof(List<GitChange>))]
[JsonSerializable(typeof(GitDiff))]
[JsonSerializable(typeof(SandboxInfo))]
[JsonSerializable(typeof(List<SandboxInfo?>))]
[JsonSerializable(typeof(SandboxPage))]
[JsonSerializable(typeof(List<SandboxSpecInfo?>))]
[JsonSerializable(typeof(SandboxSpecInfoPage))]
[JsonSerializable(typeof(UserSettings))]
[JsonSerializable(typeof(CustomSecretList))]
[JsonSerializable(typeof(CreateSecretRequest))]
[JsonSerializable(typeof(UpdateSecretRequest))]
[JsonSerializable(typeof(MessageBody))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
[JsonSerializable(typeof(McpServersStatus))]
[JsonSerializable(typeof(McpTestRequest))]
[JsonSerializable(typeof(McpTestResponse))]
[JsonSerializable(typeof(AppConversationStartRequest))]
[JsonSerializable(typeof(AppConversationStartTask))]
[JsonSerializable(typeof(AppConversationStartTaskStatus))]
[JsonSerializable(typeof(List<AppConversationStartTask?>))]
[JsonSerializable(typeof(AppConversationStartTaskPage))]
[JsonSerializable(typeof(AppConversation))]
[JsonSerializable(typeof(List<AppConversation?>))]
[JsonSerializable(typeof(AppConversationPage))]
[JsonSerializable(typeof(AppSendMessageRequest))]
[JsonSerializable(typeof(AppSendMessageResponse))]
[JsonSerializable(typeof(PendingMessageResponse))]
[JsonSerializable(typeof(List<int>))]
[JsonSerializable(typeof(WebAppConfig))]
[JsonSerializable(typeof(AppServerInfo))]
[JsonSerializable(typeof(AddGitProvidersRequest))]
[JsonSerializable(typeof(GitUser))]
[JsonSerializable(typeof(List<GitRepository>))]
[JsonSerializable(typeof(List<GitBranch>))]
[JsonSerializable(typeof(GitBranchPage))]
[JsonSerializable(typeof(List<RepositoryMicroagent>))]
[JsonSerializable(typeof(RepositoryMicroagentContent))]
public sealed partial class DeckhandJsonContext : JsonSerializerContext;

/// <summary>
/// The three ways Deckhand writes JSON, all from <see cref="DeckhandJsonContext"/>:
/// <see cref="Wire"/> (responses; nulls written, secrets redacted), <see cref="Compact"/> (events on sockets and in
/// searches; nulls omitted, secrets redacted) and <see cref="Storage"/> (nulls omitted, secrets kept: the database, and
/// requests a client sends, whose secrets must reach the server).
/// </summary>
public static class DeckhandJson
{
    // JSON APIs need no HTML-safe escaping; relaxed escaping keeps messages such as 'x' readable.
    public static DeckhandJsonContext Wire { get; } = new(new JsonSerializerOptions(DeckhandJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static DeckhandJsonContext Compact { get; } = new(new JsonSerializerOptions(DeckhandJsonContext.Default.Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static DeckhandJsonContext Storage { get; } = new(new JsonSerializerOptions(DeckhandJsonContext.Default.Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new PlaintextSecretConverter(), new PlaintextMcpConfigConverter(), new PlaintextHeadersConverter() },
    });

    /// <summary>Serializes a value to a JsonElement through the wire context (for state-update values).</summary>
    public static JsonElement ToElement<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
        JsonSerializer.SerializeToElement(value, info);
}
