using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Tools;
using static Deckhand.Contracts.Tests.Events.GoldenJson;

namespace Deckhand.Contracts.Tests.Events;

/// <summary>One C# instance per golden file (Events/Golden/&lt;name&gt;.json), with fixed ids and timestamps.</summary>
internal static class EventCases
{
    public static readonly IReadOnlyDictionary<string, Func<Event>> All = new Dictionary<string, Func<Event>>
    {
        ["SystemPromptEvent"] = () => new SystemPromptEvent
        {
            Id = Id, Timestamp = Timestamp,
            SystemPrompt = new TextContent("You are Deckhand."),
            Tools =
            [
                new ToolDefinition
                {
                    Description = "Signals the completion of the current task or conversation.",
                    ActionType = "FinishAction",
                    ObservationType = "FinishObservation",
                    Annotations = new ToolAnnotations { Title = "finish", ReadOnlyHint = true, IdempotentHint = true },
                    Kind = "FinishTool",
                    Title = "finish",
                },
            ],
            DynamicContext = new TextContent("<CURRENT_DATETIME>\nThe current date and time is: 2026-08-22T18:34\n</CURRENT_DATETIME>"),
        },
        ["MessageEvent"] = () => new MessageEvent
        {
            Id = Id, Timestamp = Timestamp, Source = EventSource.User, ParentId = ParentId,
            LlmMessage = new Message { Role = MessageRole.User, Content = [new TextContent("Flip a coin!")] },
        },
        ["MessageEvent_Image"] = () => new MessageEvent
        {
            Id = Id, Timestamp = Timestamp, Source = EventSource.User,
            LlmMessage = new Message
            {
                Role = MessageRole.User,
                Content = [new TextContent("What is this?"), new ImageContent(["data:image/png;base64,iVBORw0KGgo="]) { CachePrompt = true }],
            },
            ActivatedSkills = ["github"],
            ExtendedContent = [new TextContent("<EXTRA_INFO>skill</EXTRA_INFO>")],
            Sender = "alice",
        },
        ["MessageEvent_Agent"] = () => new MessageEvent
        {
            Id = Id, Timestamp = Timestamp, Source = EventSource.Agent,
            LlmMessage = new Message { Role = MessageRole.Assistant, Content = [new TextContent("Tails.")], ReasoningContent = "coin" },
            LlmResponseId = "chatcmpl-9x",
        },
        ["ActionEvent_Finish"] = () => new ActionEvent
        {
            Id = Id, Timestamp = Timestamp,
            Action = new FinishAction { Message = "The coin landed on tails." },
            ToolName = "finish",
            ToolCallId = "toolu_02",
            ToolCall = new MessageToolCall { Id = "toolu_02", Name = "finish", Arguments = "{\"message\": \"The coin landed on tails.\"}" },
            LlmResponseId = "chatcmpl-9y",
            Summary = "finish: {\"message\": \"The coin landed on tails.\"}",
        },
        ["ActionEvent_Think"] = () => new ActionEvent
        {
            Id = Id, Timestamp = Timestamp, ParentId = ParentId,
            Thought = [new TextContent("Let me think.")],
            ReasoningContent = "hidden reasoning",
            Action = new ThinkAction { Thought = "Heads or tails?" },
            ToolName = "think",
            ToolCallId = "toolu_01",
            ToolCall = new MessageToolCall { Id = "toolu_01", Name = "think", Arguments = "{\"thought\": \"Heads or tails?\"}" },
            LlmResponseId = "chatcmpl-9x",
            SecurityRisk = SecurityRisk.Low,
        },
        ["ActionEvent_NullAction"] = () => new ActionEvent
        {
            Id = Id, Timestamp = Timestamp,
            ToolName = "terminal",
            ToolCallId = "toolu_03",
            ToolCall = new MessageToolCall { Id = "toolu_03", Name = "terminal", Arguments = "{\"cmd\": \"ls\"}", Origin = "responses", ResponsesItemId = "fc_1" },
            LlmResponseId = "chatcmpl-9z",
        },
        ["ObservationEvent_Finish"] = () => new ObservationEvent
        {
            Id = Id, Timestamp = Timestamp,
            ToolName = "finish",
            ToolCallId = "toolu_02",
            Observation = new FinishObservation { Content = [new TextContent("The coin landed on tails.")] },
            ActionId = ParentId,
        },
        ["ObservationEvent_Think"] = () => new ObservationEvent
        {
            Id = Id, Timestamp = Timestamp,
            ToolName = "think",
            ToolCallId = "toolu_01",
            Observation = new ThinkObservation { Content = [new TextContent("Your thought has been logged.")], IsError = true },
            ActionId = ParentId,
            ExtendedContent = [new TextContent("rule")],
        },
        ["UserRejectObservation"] = () => new UserRejectObservation
        {
            Id = Id, Timestamp = Timestamp, ToolName = "terminal", ToolCallId = "toolu_04", ActionId = ParentId,
            RejectionReason = "too risky",
        },
        ["AgentErrorEvent"] = () => new AgentErrorEvent
        {
            Id = Id, Timestamp = Timestamp, ToolName = "terminal", ToolCallId = "toolu_03",
            Error = "Error validating tool 'terminal': Parameters provided: ['cmd']",
            Classification = ErrorClassification.AgentOutcome,
        },
        ["PauseEvent"] = () => new PauseEvent { Id = Id, Timestamp = Timestamp },
        ["InterruptEvent"] = () => new InterruptEvent { Id = Id, Timestamp = Timestamp },
        ["CondensationRequest"] = () => new CondensationRequest { Id = Id, Timestamp = Timestamp },
        ["Condensation"] = () => new Condensation
        {
            Id = Id, Timestamp = Timestamp,
            ForgottenEventIds = ["e1", "e2"],
            Summary = "USER_CONTEXT: coin",
            SummaryOffset = 4,
            LlmResponseId = "chatcmpl-c1",
        },
        ["CondensationSummaryEvent"] = () => new CondensationSummaryEvent { Id = Id + "-summary", Timestamp = Timestamp, Summary = "USER_CONTEXT: coin" },
        ["ConversationStateUpdateEvent_Status"] = () => new ConversationStateUpdateEvent
        {
            Id = Id, Timestamp = Timestamp, ParentId = ParentId,
            Key = "execution_status",
            Value = DeckhandJson.ToElement(ExecutionStatus.Running, DeckhandJson.Compact.ExecutionStatus),
        },
        ["ConversationStateUpdateEvent_FullState"] = () => new ConversationStateUpdateEvent
        {
            Id = Id, Timestamp = Timestamp,
            Key = ConversationStateUpdateEvent.FullStateKey,
            Value = DeckhandJson.ToElement(FullState(), DeckhandJson.Compact.ConversationState),
        },
        ["ConversationErrorEvent"] = () => new ConversationErrorEvent
        {
            Id = Id, Timestamp = Timestamp,
            Code = "MaxIterationsReached",
            Detail = "Agent reached maximum iterations limit (500).",
            Classification = ErrorClassification.ForConversationError("MaxIterationsReached", ""),
        },
        ["LLMCompletionLogEvent"] = () => new LLMCompletionLogEvent
        {
            Id = Id, Timestamp = Timestamp, Filename = "default-1.json", LogData = "{\"messages\": []}",
        },
        ["StreamingDeltaEvent"] = () => new StreamingDeltaEvent { Id = Id, Timestamp = Timestamp, Content = "The co" },
        ["TokenEvent"] = () => new TokenEvent
        {
            Id = Id, Timestamp = Timestamp, Source = EventSource.Agent, PromptTokenIds = [1, 2, 3], ResponseTokenIds = [4],
        },
        ["HookExecutionEvent"] = () => new HookExecutionEvent
        {
            Id = Id, Timestamp = Timestamp,
            HookEventType = "PreToolUse",
            HookCommand = "./check.sh",
            ToolName = "terminal",
            Success = true,
            ExitCode = 0,
            Stdout = "ok\n",
            ActionId = ParentId,
            HookInput = JsonDocument.Parse("{\"tool_name\":\"terminal\"}").RootElement,
        },
        ["ServerErrorEvent"] = () => new ServerErrorEvent { Id = Id, Timestamp = Timestamp, Code = "InvalidFrame", Detail = "bad frame" },
    };

    public static TheoryData<string> Names => new(All.Keys);

    private static ConversationState FullState() => new()
    {
        Id = Guid.Parse("6f1c2a4e-3d7b-4f7e-9c1a-2b3c4d5e6f70"),
        Agent = new AgentSpec { Llm = new LlmConfig { Model = "openai/gpt-4o", ApiKey = new SecretString("sk-live-123") } },
        Workspace = new Workspace { WorkingDir = "/workspace/project" },
        ExecutionStatus = ExecutionStatus.Idle,
        Tags = new Dictionary<string, string> { ["team"] = "core" },
    };
}
