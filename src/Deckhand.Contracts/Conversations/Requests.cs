using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Llm;

namespace Deckhand.Contracts.Conversations;

/// <summary><c>POST /api/conversations</c>. Unknown fields are ignored; unsupported features are refused with 422.</summary>
public sealed record StartConversationRequest
{
    public required Workspace Workspace { get; init; }
    public AgentSpec? Agent { get; init; }
    public JsonElement? AgentSettings { get; init; }
    public Guid? AgentProfileId { get; init; }
    public Guid? ConversationId { get; init; }
    public Guid? ParentConversationId { get; init; }
    public ConfirmationPolicy ConfirmationPolicy { get; init; } = new NeverConfirm();
    public JsonElement? SecurityAnalyzer { get; init; }
    public SendMessageRequest? InitialMessage { get; init; }
    public int MaxIterations { get; init; } = 500;
    public bool StuckDetection { get; init; } = true;
    public IReadOnlyDictionary<string, JsonElement> Secrets { get; init; } = new Dictionary<string, JsonElement>();
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public bool Autotitle { get; init; } = true;
    public bool Worktree { get; init; }
}

/// <summary><c>POST /api/conversations/{id}/events</c>: <c>content</c> must be an array of parts.</summary>
public sealed record SendMessageRequest
{
    public MessageRole Role { get; init; } = MessageRole.User;
    public IReadOnlyList<ContentItem> Content { get; init; } = [];
    public bool Run { get; init; }
}

/// <summary><c>PATCH /api/conversations/{id}</c>.</summary>
public sealed record UpdateConversationRequest
{
    public string? Title { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}

public sealed record ConversationPage(IReadOnlyList<ConversationInfo> Items, string? NextPageId);

public sealed record EventPage(IReadOnlyList<Events.Event> Items, string? NextPageId);

public sealed record SuccessResponse(bool Success)
{
    public static SuccessResponse True { get; } = new(true);
    public static SuccessResponse False { get; } = new(false);
}

public sealed record AgentFinalResponse(string Response);
