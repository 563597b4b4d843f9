using System.Diagnostics;
using System.Text;

namespace Deckhand.AppServer.AppConversations.Starting;

/// <summary>A token git may ask for, answered through <c>GIT_ASKPASS</c> (never put in a URL or on a command line).</summary>
public sealed record GitCredential(string Username, string Token);

/// <summary>What a git command did; <see cref="Output"/> is its stderr and stdout, with credentials masked.</summary>
public sealed record GitResult(int ExitCode, string Output, bool TimedOut)
{
    public bool Ok => ExitCode == 0 && !TimedOut;

    /// <summary>The last meaningful line of the output, for an error detail.</summary>
    public string LastLine
    {
        get
        {
            var lines = Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return lines.LastOrDefault(l => l.StartsWith("fatal:", StringComparison.Ordinal) || l.StartsWith("error:", StringComparison.Ordinal))
                ?? lines.LastOrDefault() ?? (TimedOut ? "timed out" : $"exit code {ExitCode}");
        }
    }
}

/// <summary>
/// Runs the <c>git</c> CLI for repository preparation. The child gets a small, fixed environment (never the app
/// server's own keys, database URL or secrets key), no terminal prompts, and no <c>ext::</c> transport. A credential is
/// handed over through an askpass script that reads it from the child's environment, which, unlike a command line, only
/// the same user can read; with a credential, stored credential helpers are switched off so the token is not saved.
/// </summary>
public sealed class GitCli
{
    private const string UsernameVariable = "DECKHAND_GIT_USERNAME";
    private const string TokenVariable = "DECKHAND_GIT_TOKEN";

    private static readonly string[] PassedVariables =
        ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "SSH_AUTH_SOCK", "http_proxy", "https_proxy", "no_proxy",
         "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "GIT_SSL_CAINFO", "SSL_CERT_FILE", "SSL_CERT_DIR"];

    private readonly string _askPass;

    /// <param name="toolsDir">Where the askpass script is written (owner-only).</param>
    public GitCli(string toolsDir)
    {
        Directory.CreateDirectory(toolsDir);
        _askPass = Path.Combine(toolsDir, "git-askpass.sh");
        const string script = $"#!/bin/sh\ncase \"$1\" in\n  Username*) printf '%s\\n' \"${UsernameVariable}\" ;;\n  *) printf '%s\\n' \"${TokenVariable}\" ;;\nesac\n";
        if (!File.Exists(_askPass) || File.ReadAllText(_askPass) != script)
        {
            File.WriteAllText(_askPass, script);
        }
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_askPass, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public async Task<GitResult> RunAsync(string workingDir, IReadOnlyList<string> args, TimeSpan timeout, GitCredential? credential = null,
        CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.Environment.Clear();
        foreach (var name in PassedVariables)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
                info.Environment[name] = value;
        }
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        info.Environment["GCM_INTERACTIVE"] = "never";
        info.Environment["LC_ALL"] = "C";
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("protocol.ext.allow=never");
        if (credential is not null)
        {
            info.Environment["GIT_ASKPASS"] = _askPass;
            info.Environment[UsernameVariable] = credential.Username;
            info.Environment[TokenVariable] = credential.Token;
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("credential.helper=");
        }
        foreach (var arg in args)
            info.ArgumentList.Add(arg);

        using var process = Process.Start(info) ?? throw new InvalidOperationException("git did not start.");
        process.StandardInput.Close();
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            timedOut = true;
        }
        output.Append(await stderr).Append(await stdout);
        var text = RepositoryReference.MaskCredentials(output.ToString());
        if (credential is not null && credential.Token.Length > 0)
            text = text.Replace(credential.Token, "****", StringComparison.Ordinal);
        return new GitResult(timedOut ? -1 : process.ExitCode, text, timedOut);
    }
}
