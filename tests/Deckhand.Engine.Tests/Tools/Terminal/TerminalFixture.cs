using System.Text.Json;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Isolation;
using Deckhand.Engine.Tools;
using Deckhand.Engine.Tools.Terminal;

namespace Deckhand.Engine.Tests.Tools.Terminal;

/// <summary>A terminal tool on a temp workspace and data dir, with a short quiet timeout, driven like the agent does.</summary>
internal sealed class TerminalFixture : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "deckhand-term-" + Guid.NewGuid().ToString("N")[..12]);

    public TerminalFixture(TimeSpan? quiet = null, Engine.Secrets.ConversationSecrets? secrets = null)
    {
        Workspace = Directory.CreateDirectory(Path.Combine(_root, "workspace")).FullName;
        DataDir = Directory.CreateDirectory(Path.Combine(_root, "data")).FullName;
        Context = new ToolContext(Guid.NewGuid(), Workspace, DataDir, new NoIsolation(), secrets);
        Tool = new TerminalTool(Context, new TerminalOptions { QuietTimeout = quiet ?? TimeSpan.FromSeconds(2) });
    }

    public string Workspace { get; }

    public string DataDir { get; }

    public ToolContext Context { get; }

    public TerminalTool Tool { get; }

    public async Task<TerminalObservation> RunAsync(string command, bool isInput = false, double? timeout = null, bool reset = false)
    {
        var arguments = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["command"] = command,
            ["is_input"] = isInput,
            ["timeout"] = timeout,
            ["reset"] = reset,
        });
        var action = Tool.Parse(arguments);
        return (TerminalObservation)await Tool.ExecuteAsync(action, Context, TestContext.Current.CancellationToken);
    }

    /// <summary>True while the process exists and is not a zombie.</summary>
    public static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static bool Eventually(Func<bool> condition, double seconds = 5) =>
        SpinWait.SpinUntil(condition, TimeSpan.FromSeconds(seconds));

    public async ValueTask DisposeAsync()
    {
        await Tool.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
