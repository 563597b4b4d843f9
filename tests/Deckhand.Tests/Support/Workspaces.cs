using System.Diagnostics;
using Deckhand.Contracts.Conversations;

namespace Deckhand.Tests.Support;

/// <summary>Temp workspaces made into allowed roots (a conversation working in them; its LLM is never called).</summary>
public static class Workspaces
{
    public static async Task<Guid> AddConversationAsync(TestAgentServer server, string workingDir)
    {
        var request = Requests.Start(new Uri("http://127.0.0.1:9/v1")) with { Workspace = new Workspace { WorkingDir = workingDir } };
        var (info, _) = await server.Client.CreateConversationAsync(request);
        return info.Id;
    }

    /// <summary>Runs git in <paramref name="dir"/> with a fixed identity; fails the test on a non-zero exit.</summary>
    public static string Git(string dir, params string[] args)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main",
                     "-c", "commit.gpgsign=false", .. args])
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', args)} failed: {error}");
        return output;
    }
}
