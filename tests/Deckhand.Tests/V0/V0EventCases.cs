using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Tools;

namespace Deckhand.Tests.V0;

/// <summary>
/// One case per golden file (V0/Golden/&lt;name&gt;.json): the events before it (which give ids, causes, stats and errors)
/// and the event whose V0 projection the file holds (<c>null</c> when V0 has no such event).
/// </summary>
internal static class V0EventCases
{
    public const string Time = "2026-08-22T18:34:55.001122";
    public const string Version = "1.2.3";

    public sealed record Case(IReadOnlyList<Event> Before, Event Subject);

    public static TheoryData<string> Names => [.. All.Keys];

    public static readonly IReadOnlyDictionary<string, Func<Case>> All = new Dictionary<string, Func<Case>>
    {
        ["SystemPromptEvent"] = () => Alone(new SystemPromptEvent
        {
            Id = "sys", Timestamp = Time,
            SystemPrompt = new TextContent("You are Deckhand."),
            Tools =
            [
                new ToolDefinition
                {
                    Description = "Run a shell command.", ActionType = "TerminalAction", ObservationType = "TerminalObservation",
                    Kind = "TerminalTool", Title = "terminal",
                },
                new ToolDefinition { Description = "Say you are done.", ActionType = "FinishAction", Kind = "FinishTool", Title = "finish" },
            ],
            DynamicContext = new TextContent("Today is 2026-08-22."),
        }),
        ["MessageEvent_User"] = () => Alone(UserMessage("msg-user", "Flip a coin!")),
        ["MessageEvent_UserWithImage"] = () => Alone(new MessageEvent
        {
            Id = "msg-img", Timestamp = Time, Source = EventSource.User,
            LlmMessage = new Message { Content = [new TextContent("What is this?"), new ImageContent(["data:image/png;base64,iVBORw0KGgo="])] },
        }),
        ["MessageEvent_Agent"] = () => After([UserMessage("msg-user", "Flip a coin!"), Stats("stats-1")], new MessageEvent
        {
            Id = "msg-agent", Timestamp = Time, Source = EventSource.Agent, LlmResponseId = "chatcmpl-1",
            LlmMessage = new Message { Role = MessageRole.Assistant, Content = [new TextContent("Tails.")] },
        }),
        ["MessageEvent_EnvironmentNudge"] = () => Alone(new MessageEvent
        {
            Id = "msg-env", Timestamp = Time, Source = EventSource.Environment,
            LlmMessage = new Message { Content = [new TextContent("Please continue, or call finish when you are done.")] },
        }),
        ["ActionEvent_Terminal"] = () => After([UserMessage("msg-user", "List files"), Stats("stats-1")], RunAction()),
        ["ActionEvent_TerminalWithTimeout"] = () => Alone(Action("act-run-t", "terminal",
            new TerminalAction { Command = "y", IsInput = true, Timeout = 30 }, """{"command":"y","is_input":true,"timeout":30}""")),
        ["ActionEvent_FileEditorView"] = () => Alone(Action("act-view", "file_editor",
            new FileEditorAction { Command = "view", Path = "/workspace/a.py", ViewRange = [1, 20] },
            """{"command":"view","path":"/workspace/a.py","view_range":[1,20]}""")),
        ["ActionEvent_FileEditorCreate"] = () => Alone(Action("act-create", "file_editor",
            new FileEditorAction { Command = "create", Path = "/workspace/a.py", FileText = "print(1)\n" },
            """{"command":"create","path":"/workspace/a.py","file_text":"print(1)\n"}""", thought: "Create it.", risk: SecurityRisk.Medium)),
        ["ActionEvent_FileEditorStrReplace"] = () => Alone(Action("act-replace", "file_editor",
            new FileEditorAction { Command = "str_replace", Path = "/workspace/a.py", OldStr = "1", NewStr = "2" },
            """{"command":"str_replace","path":"/workspace/a.py","old_str":"1","new_str":"2"}""", risk: SecurityRisk.High)),
        ["ActionEvent_FileEditorInsert"] = () => Alone(Action("act-insert", "file_editor",
            new FileEditorAction { Command = "insert", Path = "/workspace/a.py", InsertLine = 3, NewStr = "x = 1" },
            """{"command":"insert","path":"/workspace/a.py","insert_line":3,"new_str":"x = 1"}""")),
        ["ActionEvent_TaskTracker"] = () => Alone(Action("act-tasks", "task_tracker", new TaskTrackerAction
        {
            Command = "plan",
            TaskList = [new TaskItem { Title = "Read code", Status = "done" }, new TaskItem { Title = "Fix bug", Status = "in_progress", Notes = "off by one" }],
        }, """{"command":"plan","task_list":[{"title":"Read code","status":"done"},{"title":"Fix bug","status":"in_progress","notes":"off by one"}]}""")),
        ["ActionEvent_TaskTrackerView"] = () => Alone(Action("act-tasks-view", "task_tracker", new TaskTrackerAction(), """{"command":"view"}""")),
        ["ActionEvent_Think"] = () => Alone(Action("act-think", "think", new ThinkAction { Thought = "Heads or tails?" },
            """{"thought":"Heads or tails?"}""")),
        ["ActionEvent_Finish"] = () => Alone(Action("act-finish", "finish", new FinishAction { Message = "The coin landed on tails." },
            """{"message":"The coin landed on tails."}""")),
        ["ActionEvent_FinishWithThought"] = () => Alone(Action("act-finish-t", "finish", new FinishAction { Message = "Done." },
            """{"message":"Done."}""", thought: "All tests pass now.")),
        ["ActionEvent_Glob"] = () => Alone(Action("act-glob", "glob", new GlobAction { Pattern = "**/*.cs", Path = "/workspace" },
            """{"pattern":"**/*.cs","path":"/workspace"}""")),
        ["ActionEvent_Grep"] = () => Alone(Action("act-grep", "grep", new GrepAction { Pattern = "it's \"here\"", Include = "*.py" },
            """{"pattern":"it's \"here\"","include":"*.py","case_sensitive":false}""")),
        ["ActionEvent_Mcp"] = () => Alone(Action("act-mcp", "echo",
            new McpToolAction { Data = System.Text.Json.JsonDocument.Parse("""{"text":"hello"}""").RootElement.Clone() },
            """{"text":"hello"}""")),
        ["ActionEvent_NullAction"] = () => Alone(Action("act-invalid", "terminal", null, """{"cmd":"ls"}""")),
        ["ActionEvent_TwoCallsInOneResponse"] = () => After([Action("act-a", "think", new ThinkAction { Thought = "a" }, """{"thought":"a"}""")],
            Action("act-b", "think", new ThinkAction { Thought = "b" }, """{"thought":"b"}""")),
        ["ObservationEvent_Terminal"] = () => After([RunAction()], Observation("obs-run", "act-run", "terminal", new TerminalObservation
        {
            Command = "ls", ExitCode = 0, Content = [new TextContent("a.txt\nb.txt")],
            Metadata = new TerminalMetadata { ExitCode = 0, Pid = 42, Username = "deck", Hostname = "box", WorkingDir = "/workspace", Prefix = "", Suffix = "\n[exit 0]" },
        })),
        ["ObservationEvent_TerminalFailed"] = () => After([RunAction()], Observation("obs-run-fail", "act-run", "terminal", new TerminalObservation
        {
            Command = "ls", ExitCode = 2, IsError = true, Content = [new TextContent("ls: cannot access 'x': No such file or directory")],
            Metadata = new TerminalMetadata { ExitCode = 2, WorkingDir = "/workspace" },
        })),
        ["ObservationEvent_FileEditorView"] = () => Observed("act-view", "file_editor",
            new FileEditorAction { Command = "view", Path = "/workspace/a.py" }, new FileEditorObservation
            {
                Command = "view", Path = "/workspace/a.py", Content = [new TextContent("     1\tprint(1)\n")],
            }),
        ["ObservationEvent_FileEditorEdit"] = () => Observed("act-replace", "file_editor",
            new FileEditorAction { Command = "str_replace", Path = "/workspace/a.py", OldStr = "1", NewStr = "2" }, new FileEditorObservation
            {
                Command = "str_replace", Path = "/workspace/a.py", OldContent = "print(1)\n", NewContent = "print(2)\n",
                Content = [new TextContent("The file /workspace/a.py has been edited.")],
            }),
        ["ObservationEvent_FileEditorCreate"] = () => Observed("act-create", "file_editor",
            new FileEditorAction { Command = "create", Path = "/workspace/b.py", FileText = "" }, new FileEditorObservation
            {
                Command = "create", Path = "/workspace/b.py", PrevExist = false, NewContent = "",
                Content = [new TextContent("File created successfully at: /workspace/b.py")],
            }),
        ["ObservationEvent_FileEditorError"] = () => Observed("act-replace", "file_editor",
            new FileEditorAction { Command = "str_replace", Path = "/workspace/a.py", OldStr = "zzz", NewStr = "2" }, new FileEditorObservation
            {
                Command = "str_replace", Path = "/workspace/a.py", IsError = true,
                Content = [new TextContent("No replacement was performed: old_str `zzz` did not appear in /workspace/a.py.")],
            }),
        ["ObservationEvent_TaskTracker"] = () => Observed("act-tasks", "task_tracker", new TaskTrackerAction { Command = "plan" },
            new TaskTrackerObservation
            {
                Command = "plan", TaskList = [new TaskItem { Title = "Fix bug" }], Content = [new TextContent("Task list has been updated with 1 item.")],
            }),
        ["ObservationEvent_Think"] = () => Observed("act-think", "think", new ThinkAction { Thought = "hmm" },
            new ThinkObservation { Content = [new TextContent("Your thought has been logged.")] }),
        ["ObservationEvent_Finish"] = () => Observed("act-finish", "finish", new FinishAction { Message = "Done." },
            new FinishObservation { Content = [new TextContent("Done.")] }),
        ["ObservationEvent_Glob"] = () => Observed("act-glob", "glob", new GlobAction { Pattern = "**/*.cs" }, new GlobObservation
        {
            Pattern = "**/*.cs", SearchPath = "/workspace", Files = ["/workspace/A.cs"], Content = [new TextContent("/workspace/A.cs")],
        }),
        ["ObservationEvent_Mcp"] = () => Observed("act-mcp", "echo",
            new McpToolAction { Data = System.Text.Json.JsonDocument.Parse("""{"text":"hello"}""").RootElement.Clone() },
            new McpToolObservation { ToolName = "echo", Content = [new TextContent("[Tool 'echo' executed.]"), new TextContent("hello")] }),
        ["ObservationEvent_Grep"] = () => Observed("act-grep", "grep", new GrepAction { Pattern = "TODO" }, new GrepObservation
        {
            Pattern = "TODO", SearchPath = "/workspace", IncludePattern = "*.cs", Matches = ["/workspace/A.cs"], Content = [new TextContent("/workspace/A.cs")],
        }),
        ["UserRejectObservation"] = () => After([RunAction()], new UserRejectObservation
        {
            Id = "reject", Timestamp = Time, ToolName = "terminal", ToolCallId = "call_run", ActionId = "act-run",
            RejectionReason = "Not on my machine.",
        }),
        ["AgentErrorEvent"] = () => After([RunAction()], new AgentErrorEvent
        {
            Id = "agent-error", Timestamp = Time, ParentId = "act-run", ToolName = "terminal", ToolCallId = "call_run",
            Error = "The tool call was interrupted before it completed; the conversation was paused.",
            Classification = ErrorClassification.Internal,
        }),
        ["PauseEvent"] = () => Alone(new PauseEvent { Id = "pause", Timestamp = Time }),
        ["InterruptEvent"] = () => Alone(new InterruptEvent { Id = "interrupt", Timestamp = Time }),
        ["CondensationRequest"] = () => Alone(new CondensationRequest { Id = "condense-req", Timestamp = Time }),
        ["Condensation"] = () => After([UserMessage("m1", "one"), UserMessage("m2", "two")], new Condensation
        {
            Id = "condensation", Timestamp = Time, ForgottenEventIds = ["m1", "m2", "never-projected"], Summary = "The user counted.",
            SummaryOffset = 1, LlmResponseId = "chatcmpl-c",
        }),
        ["Condensation_WithoutSummary"] = () => After([UserMessage("m1", "one"), UserMessage("m2", "two")], new Condensation
        {
            Id = "condensation", Timestamp = Time, ForgottenEventIds = ["m1", "m2"], LlmResponseId = "chatcmpl-c",
        }),
        ["CondensationSummaryEvent"] = () => Alone(new CondensationSummaryEvent { Id = "summary", Timestamp = Time, Summary = "Earlier, the user counted." }),
        ["ConversationStateUpdateEvent_Running"] = () => Alone(Status("st-run", "running")),
        ["ConversationStateUpdateEvent_Idle"] = () => Alone(Status("st-idle", "idle")),
        ["ConversationStateUpdateEvent_Paused"] = () => Alone(Status("st-paused", "paused")),
        ["ConversationStateUpdateEvent_WaitingForConfirmation"] = () => Alone(Status("st-confirm", "waiting_for_confirmation")),
        ["ConversationStateUpdateEvent_FinishedAfterReply"] = () => After([new MessageEvent
        {
            Id = "msg-agent", Timestamp = Time, Source = EventSource.Agent,
            LlmMessage = new Message { Role = MessageRole.Assistant, Content = [new TextContent("Tails.")] },
        }], Status("st-finished", "finished")),
        ["ConversationStateUpdateEvent_FinishedByFinishTool"] = () => After(
            [Action("act-finish", "finish", new FinishAction { Message = "Done." }, """{"message":"Done."}""")], Status("st-finished", "finished")),
        ["ConversationStateUpdateEvent_Error"] = () => After([ConversationError()], Status("st-error", "error")),
        ["ConversationStateUpdateEvent_Stuck"] = () => Alone(Status("st-stuck", "stuck")),
        ["ConversationStateUpdateEvent_Deleting"] = () => Alone(Status("st-deleting", "deleting")),
        ["ConversationStateUpdateEvent_Stats"] = () => Alone(Stats("stats-1")),
        ["ConversationStateUpdateEvent_FullState"] = () => Alone(new ConversationStateUpdateEvent
        {
            Id = "full", Timestamp = Time, Key = ConversationStateUpdateEvent.FullStateKey,
            Value = JsonDocument.Parse("""{"execution_status":"idle"}""").RootElement.Clone(),
        }),
        ["ConversationErrorEvent"] = () => Alone(ConversationError()),
        ["LLMCompletionLogEvent"] = () => Alone(new LLMCompletionLogEvent { Id = "log", Timestamp = Time, Filename = "a.json", LogData = "{}" }),
        ["StreamingDeltaEvent"] = () => Alone(new StreamingDeltaEvent { Id = "delta", Timestamp = Time, Content = "Ta" }),
        ["TokenEvent"] = () => Alone(new TokenEvent { Id = "tokens", Timestamp = Time, PromptTokenIds = [1, 2], ResponseTokenIds = [3] }),
        ["HookExecutionEvent"] = () => Alone(new HookExecutionEvent { Id = "hook", Timestamp = Time, HookEventType = "PreToolUse", HookCommand = "true" }),
        ["ServerErrorEvent"] = () => Alone(new ServerErrorEvent { Id = "server-error", Timestamp = Time, Code = "BadFrame", Detail = "not JSON" }),
    };

    private static Case Alone(Event subject) => new([], subject);

    private static Case After(IReadOnlyList<Event> before, Event subject) => new(before, subject);

    /// <summary>An observation preceded by the action it answers.</summary>
    private static Case Observed(string actionId, string tool, ToolAction action, ToolObservation observation) =>
        After([Action(actionId, tool, action, "{}")], Observation("obs-" + actionId, actionId, tool, observation));

    public static MessageEvent UserMessage(string id, string text) => new()
    {
        Id = id, Timestamp = Time, Source = EventSource.User,
        LlmMessage = new Message { Content = [new TextContent(text)] },
    };

    public static ActionEvent RunAction() => Action("act-run", "terminal", new TerminalAction { Command = "ls" }, """{"command":"ls"}""",
        thought: "List the files.", risk: SecurityRisk.Low, toolCallId: "call_run");

    public static ActionEvent Action(string id, string tool, ToolAction? action, string arguments, string thought = "",
        SecurityRisk risk = SecurityRisk.Unknown, string? toolCallId = null) => new()
    {
        Id = id, Timestamp = Time,
        Thought = thought.Length > 0 ? [new TextContent(thought)] : [],
        Action = action,
        ToolName = tool,
        ToolCallId = toolCallId ?? "call_" + id,
        ToolCall = new MessageToolCall { Id = toolCallId ?? "call_" + id, Name = tool, Arguments = arguments },
        LlmResponseId = "chatcmpl-1",
        SecurityRisk = risk,
    };

    public static ObservationEvent Observation(string id, string actionId, string tool, ToolObservation observation) => new()
    {
        Id = id, Timestamp = Time, ToolName = tool, ToolCallId = actionId == "act-run" ? "call_run" : "call_" + actionId,
        ActionId = actionId, Observation = observation,
    };

    public static ConversationStateUpdateEvent Status(string id, string status) => new()
    {
        Id = id, Timestamp = Time, Key = "execution_status", Value = JsonSerializer.SerializeToElement(status, DeckhandJson.Compact.String),
    };

    public static ConversationErrorEvent ConversationError() => new()
    {
        Id = "conv-error", Timestamp = Time, Code = "LLMAuthenticationError", Detail = "The provider rejected the API key.",
    };

    public static ConversationStateUpdateEvent Stats(string id)
    {
        var stats = new ConversationStats
        {
            UsageToMetrics = new Dictionary<string, Metrics>
            {
                ["default"] = new()
                {
                    ModelName = "openai/gpt-4o", AccumulatedCost = 0.25, MaxBudgetPerTask = 5,
                    AccumulatedTokenUsage = new TokenUsage
                    {
                        Model = "openai/gpt-4o", PromptTokens = 1000, CompletionTokens = 100, CacheReadTokens = 200, CacheWriteTokens = 10,
                        ContextWindow = 128000, PerTurnToken = 600, ResponseId = "chatcmpl-1",
                    },
                },
                ["condenser"] = new()
                {
                    ModelName = "openai/gpt-4o", AccumulatedCost = 0.125,
                    AccumulatedTokenUsage = new TokenUsage { Model = "openai/gpt-4o", PromptTokens = 500, CompletionTokens = 50 },
                },
            },
        };
        return new ConversationStateUpdateEvent
        {
            Id = id, Timestamp = Time, Key = "stats", Value = JsonSerializer.SerializeToElement(stats, DeckhandJson.Compact.ConversationStats),
        };
    }
}
