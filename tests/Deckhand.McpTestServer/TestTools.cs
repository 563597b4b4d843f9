using System.ComponentModel;
using System.Diagnostics;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Deckhand.McpTestServer;

/// <summary>
/// The test server's tools: <c>echo</c>, <c>add</c> (read-only), <c>hang</c> (never returns unless cancelled),
/// <c>fail</c> (an error result), <c>pid</c> (this process's id) and <c>spawn_child</c> (starts a long sleep and
/// returns its pid, to check that a server's children end with it).
/// </summary>
public static class TestTools
{
    public static McpServerOptions Options(string name = "deckhand-test-server") => new()
    {
        ServerInfo = new Implementation { Name = name, Version = "1.0.0" },
        ToolCollection =
        [
            McpServerTool.Create(Echo, new McpServerToolCreateOptions { Name = "echo", Description = "Returns the text it is given." }),
            McpServerTool.Create(Add, new McpServerToolCreateOptions { Name = "add", Description = "Adds two integers.", ReadOnly = true }),
            McpServerTool.Create(HangAsync, new McpServerToolCreateOptions { Name = "hang", Description = "Never returns (until cancelled)." }),
            McpServerTool.Create(Fail, new McpServerToolCreateOptions { Name = "fail", Description = "Always fails." }),
            McpServerTool.Create(Pid, new McpServerToolCreateOptions { Name = "pid", Description = "The server's process id.", ReadOnly = true }),
            McpServerTool.Create(SpawnChild, new McpServerToolCreateOptions { Name = "spawn_child", Description = "Starts a long sleep; returns its pid." }),
        ],
    };

    private static string Echo([Description("Text to return.")] string text) => text;

    private static int Add([Description("First number.")] int a, [Description("Second number.")] int b) => a + b;

    private static async Task<string> HangAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return "unreachable";
    }

    private static CallToolResult Fail([Description("Why it fails.")] string? reason = null) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = "fail: " + (reason ?? "this tool always fails") }],
    };

    private static int Pid() => Environment.ProcessId;

    private static int SpawnChild()
    {
        var child = Process.Start(new ProcessStartInfo("sleep", "1000") { UseShellExecute = false })!;
        return child.Id;
    }
}
