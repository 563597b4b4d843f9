using System.Text.RegularExpressions;
using Deckhand.Contracts.Tools;

namespace Deckhand.Engine.Security;

/// <summary>The rules for one shell command line (see <see cref="RiskRules"/>).</summary>
internal static partial class CommandRules
{
    private static readonly HashSet<string> Senders = new(StringComparer.Ordinal)
    {
        "curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "scp", "sftp", "ftp", "rsync", "http", "https",
    };

    private static readonly HashSet<string> DiskTools = new(StringComparer.Ordinal) { "mkswap", "wipefs", "mke2fs", "blkdiscard" };

    private static readonly HashSet<string> PartitionTools = new(StringComparer.Ordinal) { "fdisk", "sfdisk", "gdisk", "parted", "shred" };

    private static readonly HashSet<string> Copiers = new(StringComparer.Ordinal) { "cp", "mv", "install", "ln", "rsync" };

    public static void Check(string line, PathJudge paths, List<RiskFinding> findings)
    {
        if (string.IsNullOrWhiteSpace(line))
            return;
        var text = ShellText.Clean(line);
        if (ForkBomb().IsMatch(text))
            findings.Add(new(SecurityRisk.High, "destruct.fork_bomb", "a fork bomb"));
        if (PipeToInterpreter().IsMatch(text) || SubstitutedDownload().IsMatch(text))
            findings.Add(new(SecurityRisk.High, "install.pipe_to_shell", "runs code downloaded from the network"));
        if (InstallFromUrl().IsMatch(text))
            findings.Add(new(SecurityRisk.High, "install.from_url", "installs a package straight from a URL"));

        var commands = ShellText.Split(text);
        var sends = commands.Any(c => Senders.Contains(c.Program)) || NetDevice().IsMatch(text);
        var dumpsSecrets = commands.Any(DumpsEnvironment) || ProcEnviron().IsMatch(text) || CredentialFile().IsMatch(text);
        if (sends && dumpsSecrets)
            findings.Add(new(SecurityRisk.High, "secrets.exfiltrate", "sends the environment or a credentials file over the network"));
        else if (CredentialFile().IsMatch(text) || ProcEnviron().IsMatch(text))
            findings.Add(new(SecurityRisk.Medium, "secrets.read_credentials", "reads a credentials file"));

        foreach (var command in commands)
        {
            foreach (var target in command.RedirectTargets)
                Write(paths, target, "output redirected", findings);
            CheckCommand(command, paths, findings);
        }
    }

    private static void CheckCommand(ShellCommand command, PathJudge paths, List<RiskFinding> findings)
    {
        var program = command.Program;
        var args = command.Arguments.ToList();
        switch (program)
        {
            case "rm":
                Remove(args, paths, findings);
                break;
            case "chmod" or "chown" or "chgrp":
                foreach (var target in Operands(args).Skip(1))
                {
                    if (paths.Judge(target) is PathPlace.Outside or PathPlace.Vital or PathPlace.Device)
                        findings.Add(new(SecurityRisk.High, "destruct.permissions", $"{program} on a path outside the workspace"));
                }
                break;
            case "dd":
                foreach (var arg in args.Where(a => a.StartsWith("of=", StringComparison.Ordinal)))
                    Write(paths, arg[3..], "dd writes", findings);
                break;
            case "tee":
                foreach (var target in Operands(args))
                    Write(paths, target, "tee writes", findings);
                break;
            case "git":
                Git(args, findings);
                break;
            case "find" when args.Contains("-delete") || FindExecRemoves(args):
                foreach (var root in args.TakeWhile(a => !a.StartsWith('-') && a is not ("(" or "!")))
                {
                    findings.Add(paths.Judge(root) is PathPlace.Vital or PathPlace.Outside or PathPlace.Device
                        ? new(SecurityRisk.High, "destruct.find_delete", "find deletes outside the workspace")
                        : new(SecurityRisk.Medium, "destruct.find_delete", "find deletes files"));
                }
                break;
            case "curl" or "wget":
                SendsSecret(args, findings);
                for (var i = 0; i + 1 < args.Count; i++)
                {
                    if (args[i] is "-o" or "--output" or "--output-document" or "--directory-prefix" or "-P"
                        || program == "wget" && args[i] == "-O")
                        Write(paths, args[i + 1], $"{program} saves", findings);
                }
                break;
            case "sed" or "perl" when args.Any(a => a.StartsWith("-i", StringComparison.Ordinal) || a.StartsWith("--in-place", StringComparison.Ordinal)):
                foreach (var target in Operands(args).Skip(1))
                    Write(paths, target, $"{program} -i edits", findings);
                break;
            case "touch" or "mkdir" or "truncate" or "rmdir" or "unlink":
                foreach (var target in Operands(args))
                    Write(paths, target, program, findings);
                break;
            case var p when p.StartsWith("mkfs", StringComparison.Ordinal) || DiskTools.Contains(p):
                findings.Add(new(SecurityRisk.High, "destruct.format", "formats or wipes a disk"));
                break;
            case var p when PartitionTools.Contains(p):
                if (args.Any(a => paths.Judge(a) is PathPlace.Device))
                    findings.Add(new(SecurityRisk.High, "destruct.disk", $"{p} on a raw device"));
                break;
            case var p when p.Contains('$', StringComparison.Ordinal):
                // The program comes from a variable or substitution ($(echo rm) -rf /): judge it as if it deleted.
                Remove(args, paths, findings);
                break;
        }
        if (Copiers.Contains(program) && Operands(args).LastOrDefault() is { } destination && Operands(args).Count() > 1)
            Write(paths, destination, $"{program} writes", findings);
    }

    private static bool FindExecRemoves(List<string> args)
    {
        var exec = args.FindIndex(a => a is "-exec" or "-execdir" or "-ok" or "-okdir");
        return exec >= 0 && exec + 1 < args.Count && ShellText.BaseName(args[exec + 1]) == "rm";
    }

    private static void Remove(IReadOnlyList<string> args, PathJudge paths, List<RiskFinding> findings)
    {
        var recursive = args.Any(a => a == "--recursive" || a.Length > 1 && a[0] == '-' && a[1] != '-' && (a.Contains('r') || a.Contains('R')));
        if (args.Contains("--no-preserve-root"))
            findings.Add(new(SecurityRisk.High, "destruct.rm_root", "rm with --no-preserve-root"));
        var targets = Operands(args).ToList();
        if (recursive && targets.Count == 0)
            findings.Add(new(SecurityRisk.Medium, "destruct.rm_recursive", "recursive delete of paths that cannot be told"));
        foreach (var target in targets)
        {
            switch (paths.Judge(target))
            {
                case PathPlace.Vital or PathPlace.WorkspaceRoot:
                    findings.Add(new(SecurityRisk.High, "destruct.rm_vital", "deletes the filesystem root, the home directory or the workspace"));
                    break;
                case PathPlace.Outside or PathPlace.Device:
                    findings.Add(new(SecurityRisk.High, "destruct.rm_outside", "deletes files outside the workspace"));
                    break;
                case PathPlace.Inside or PathPlace.Scratch or PathPlace.Unknown when recursive:
                    findings.Add(new(SecurityRisk.Medium, "destruct.rm_recursive", "recursive delete"));
                    break;
            }
        }
    }

    private static void Git(IReadOnlyList<string> args, List<RiskFinding> findings)
    {
        // Skip git's own options (-C dir, -c key=value, --git-dir=...) to find the subcommand.
        var i = 0;
        while (i < args.Count && args[i].StartsWith('-'))
            i += args[i] is "-C" or "-c" ? 2 : 1;
        if (i >= args.Count)
            return;
        var rest = args.Skip(i + 1).ToList();
        bool Flag(string longName, char shortName) =>
            rest.Any(a => a == longName || a.Length > 1 && a[0] == '-' && a[1] != '-' && a.Contains(shortName));
        switch (args[i])
        {
            case "push" when Flag("--force", 'f') || rest.Any(a => a is "--mirror" or "--delete" or "--prune" || a.StartsWith('+')
                                                           || a.StartsWith(':') && a.Length > 1):
                findings.Add(new(SecurityRisk.High, "destruct.git_push_force", "force-push or delete on a remote"));
                break;
            case "push" when rest.Any(a => a.StartsWith("--force-with-lease", StringComparison.Ordinal)):
                findings.Add(new(SecurityRisk.Medium, "destruct.git_push_force", "force-push with lease"));
                break;
            case "reset" when rest.Contains("--hard"):
                findings.Add(new(SecurityRisk.High, "destruct.git_reset_hard", "git reset --hard discards uncommitted work"));
                break;
            case "clean" when Flag("--force", 'f'):
                findings.Add(new(SecurityRisk.High, "destruct.git_clean", "git clean deletes untracked files"));
                break;
        }
    }

    private static void SendsSecret(IReadOnlyList<string> args, List<RiskFinding> findings)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--header=", StringComparison.Ordinal) || arg.StartsWith("-H", StringComparison.Ordinal) && arg.Length > 2)
            {
                if (SecretVariable().IsMatch(arg))
                    findings.Add(new(SecurityRisk.Medium, "secrets.send_credential", "sends a credential in a request header"));
                continue;
            }
            if (arg is "-H" or "--header" or "-u" or "--user" or "--oauth2-bearer")
            {
                if (i + 1 < args.Count && SecretVariable().IsMatch(args[i + 1]))
                    findings.Add(new(SecurityRisk.Medium, "secrets.send_credential", "sends a credential in a request header"));
                i++;
                continue;
            }
            if (SecretVariable().IsMatch(arg) || arg.StartsWith('@') && CredentialFile().IsMatch(arg))
                findings.Add(new(SecurityRisk.High, "secrets.exfiltrate", "sends a secret in a request body or URL"));
        }
    }

    private static void Write(PathJudge paths, string target, string what, List<RiskFinding> findings)
    {
        switch (paths.Judge(target))
        {
            case PathPlace.Device:
                findings.Add(new(SecurityRisk.High, "destruct.device_write", $"{what} to a raw device"));
                break;
            case PathPlace.Outside or PathPlace.Vital:
                findings.Add(new(SecurityRisk.High, "write.outside_workspace", $"{what} outside the workspace"));
                break;
        }
    }

    /// <summary>The non-option arguments (everything after <c>--</c> counts as an operand).</summary>
    private static IEnumerable<string> Operands(IReadOnlyList<string> args)
    {
        var options = true;
        foreach (var arg in args)
        {
            if (options && arg == "--")
            {
                options = false;
                continue;
            }
            if (options && arg.Length > 1 && arg[0] == '-')
                continue;
            yield return arg;
        }
    }

    private static bool DumpsEnvironment(ShellCommand command)
    {
        var args = command.Arguments.ToList();
        return command.Program switch
        {
            "env" or "printenv" => args.All(a => a.StartsWith('-')),
            "set" => args.Count == 0,
            "export" => args.Count == 0 || args.SequenceEqual(["-p"]),
            "declare" or "typeset" => args.Count > 0 && args.All(a => a is "-x" or "-p" or "-px" or "-xp"),
            _ => false,
        };
    }

    [GeneratedRegex(@"(\w+|:)\s*\(\s*\)\s*\{[^}]{0,40}?\1\s*\|\s*\1\s*&[^}]{0,20}\}\s*;?\s*\1")]
    private static partial Regex ForkBomb();

    [GeneratedRegex(@"\b(curl|wget|fetch)\b[^|;&\n]{0,300}\|\s*(sudo\s+(-\S+\s+)*)?(env\s+)?(\S*/)?(ba|z|da|k|fi)?sh\b|\b(curl|wget|fetch)\b[^|;&\n]{0,300}\|\s*(sudo\s+)?(\S*/)?(python[0-9.]*|perl|ruby|node|php)\b", RegexOptions.IgnoreCase)]
    private static partial Regex PipeToInterpreter();

    [GeneratedRegex(@"(\b(ba|z|da|k)?sh|\bsource|(^|[\s;&|])\.|\beval)\s+[^;&|\n]{0,40}(<\(|\$\(|`)\s*(curl|wget)\b", RegexOptions.IgnoreCase)]
    private static partial Regex SubstitutedDownload();

    [GeneratedRegex(@"\b(pip[0-9.]*|pipx|uv|poetry|npm|pnpm|yarn|bun|gem|cargo|composer)\b[^;&|\n]{0,200}\b(install|add|i)\b[^;&|\n]{0,300}(https?://|git\+|git://|ssh://|github:|gitlab:|bitbucket:)|\bnpx\s+(-\S+\s+)*(https?://|git\+|github:)", RegexOptions.IgnoreCase)]
    private static partial Regex InstallFromUrl();

    [GeneratedRegex(@"/dev/(tcp|udp)/")]
    private static partial Regex NetDevice();

    [GeneratedRegex(@"/proc/[^/\s]+/environ")]
    private static partial Regex ProcEnviron();

    [GeneratedRegex(@"(\.ssh/|\bid_(rsa|dsa|ecdsa|ed25519)\b|\.aws/(credentials|config)|\.netrc\b|\.git-credentials\b|\.npmrc\b|\.pypirc\b|\.docker/config\.json|\.kube/config|\.gnupg/|\.config/gh/hosts|(^|[/\s'""=@])\.env\b)")]
    internal static partial Regex CredentialFile();

    [GeneratedRegex(@"\$\{?[A-Za-z0-9_]*(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL)[A-Za-z0-9_]*\}?", RegexOptions.IgnoreCase)]
    private static partial Regex SecretVariable();
}
