using System.Runtime.InteropServices;

namespace Deckhand.AppServer.Sandboxes.Processes;

/// <summary>
/// Finds the command that runs <c>deckhand</c> (to start <c>deckhand agent-server</c> in a sandbox): an explicit
/// command, else this very executable when it is the <c>deckhand</c> apphost, else <c>dotnet deckhand.dll</c> with the
/// muxer of the running runtime, else the apphost next to <c>deckhand.dll</c>. Works the same in tests, where the
/// host process is the test runner and the app server runs in-process.
/// </summary>
public static class AgentServerLauncher
{
    public const string EnvironmentVariable = "DECKHAND_AGENT_SERVER_COMMAND";

    public static IReadOnlyList<string> Resolve(IReadOnlyList<string>? configured)
    {
        if (configured is { Count: > 0 })
            return configured;
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "deckhand")
            return [self];
        var dll = Path.Combine(AppContext.BaseDirectory, "deckhand.dll");
        if (File.Exists(dll) && DotnetHost() is { } dotnet)
            return [dotnet, dll];
        var apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "deckhand.exe" : "deckhand");
        if (File.Exists(apphost))
            return [apphost];
        throw new InvalidOperationException(
            $"Cannot find the deckhand executable to start sandboxes with; set {EnvironmentVariable} to its path.");
    }

    private static string? DotnetHost()
    {
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } self && Path.GetFileName(self) == name)
            return self;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
            return hostPath;
        // The running runtime lives in <root>/shared/Microsoft.NETCore.App/<version>/; the muxer is <root>/dotnet.
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory();
        var root = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
        var candidate = Path.Combine(root, name);
        return File.Exists(candidate) ? candidate : null;
    }
}
