using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Secrets;

namespace Deckhand.Engine.Tests.Tools.Terminal;

/// <summary>The terminal exports the secrets a command names and masks their values in everything it returns.</summary>
public sealed class TerminalSecretsTests : IAsyncDisposable
{
    private const string Value = "s3cr3t-Value-7731";

    private readonly TerminalFixture _t = new(quiet: TimeSpan.FromSeconds(1), secrets: new ConversationSecrets(
        new Dictionary<string, SecretSource>
        {
            ["API_TOKEN"] = new StaticSecret { Value = new SecretString(Value) },
            ["weird name"] = new StaticSecret { Value = new SecretString("never-exported-value") },
        }));

    public ValueTask DisposeAsync() => _t.DisposeAsync();

    [Fact]
    public async Task NamedSecret_IsExported_AndItsValueMaskedInOutput()
    {
        var echoed = await _t.RunAsync("echo \"[$API_TOKEN]\" ${#API_TOKEN}");
        Assert.Equal($"[{SecretMasker.Mask}] {Value.Length}", echoed.Text().Split('\n')[0]);

        // A later command that does not name it still sees it (exports persist), and output is still masked.
        await File.WriteAllTextAsync(Path.Combine(_t.Workspace, "creds.txt"), $"token={Value}\n");
        var cat = await _t.RunAsync("cat creds.txt; printf %s \"$API_TOKEN\" | base64");
        Assert.DoesNotContain(Value, cat.Text());
        Assert.StartsWith($"token={SecretMasker.Mask}\n{SecretMasker.Mask}", cat.Text());
    }

    [Fact]
    public async Task SecretNotNamed_IsNotExported()
    {
        var result = await _t.RunAsync("echo \"[${OTHER:-unset}]\"; env | grep -c never-exported-value");
        Assert.StartsWith("[unset]\n0\n", result.Text());
    }

    [Fact]
    public async Task ValueSplitAcrossTwoCalls_IsStillMasked()
    {
        var first = await _t.RunAsync($"printf '%s' 'start {Value[..6]}'; sleep 2; printf '%s\\n' '{Value[6..]} end'");
        Assert.Equal(-1, first.ExitCode); // still running: the quiet timeout returned control
        Assert.DoesNotContain(Value[..6], first.Text());
        var rest = await _t.RunAsync("", timeout: 10);
        Assert.Contains($"{SecretMasker.Mask} end", rest.Text());
        Assert.DoesNotContain(Value[6..], rest.Text());
    }
}
