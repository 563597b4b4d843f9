using System.Text;
using Deckhand.Contracts.Conversations;

namespace Deckhand.Engine.Secrets;

/// <summary>The system prompt's <c>&lt;CUSTOM_SECRETS&gt;</c> section: secret names and descriptions, never values.</summary>
internal static class SecretPrompt
{
    public static string? Section(IReadOnlyDictionary<string, SecretSource> secrets)
    {
        if (secrets.Count == 0)
            return null;
        var text = new StringBuilder();
        text.Append("<CUSTOM_SECRETS>\n");
        text.Append("The user gave you these secrets. In the terminal, a secret is set as an environment variable of the same ");
        text.Append("name whenever your command mentions that name, so use it by reference (for example `$GITHUB_TOKEN`). ");
        text.Append("Never print, log, commit or send a secret's value anywhere the user did not ask for; wherever a value ");
        text.Append("would appear in what you see, it is replaced with ").Append(SecretMasker.Mask).Append(".\n");
        foreach (var (name, source) in secrets.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.Append("* $").Append(name);
            if (source.Description is { Length: > 0 } description)
                text.Append(": ").Append(description.ReplaceLineEndings(" "));
            text.Append('\n');
        }
        text.Append("</CUSTOM_SECRETS>");
        return text.ToString();
    }
}
