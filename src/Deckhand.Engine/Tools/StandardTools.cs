using Deckhand.Engine.Tools.FileEditor;
using Deckhand.Engine.Tools.Glob;
using Deckhand.Engine.Tools.Grep;
using Deckhand.Engine.Tools.TaskTracker;
using Deckhand.Engine.Tools.Terminal;

namespace Deckhand.Engine.Tools;

/// <summary>The optional tools every Deckhand server offers, by their OpenHands registry names.</summary>
internal static class StandardTools
{
    public static void AddTo(ToolRegistry registry)
    {
        registry.Register("terminal", context => new TerminalTool(context));
        registry.Register("file_editor", context => new FileEditorTool(context));
        registry.Register("task_tracker", context => new TaskTrackerTool(context));
        registry.Register("glob", context => new GlobTool(context));
        registry.Register("grep", context => new GrepTool(context));
    }
}
