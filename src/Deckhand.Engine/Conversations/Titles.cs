using System.Text;
using Deckhand.Contracts.Conversations;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Deckhand.Engine.Conversations;

/// <summary>
/// Conversation titles: asked of the model in one short call without tools, or cut from the first user message when
/// the model is not asked or does not answer.
/// </summary>
internal static class Titles
{
    public const int MaxLength = 50;

    /// <summary>How much of the first message the model reads; the start says what the conversation is about.</summary>
    private const int MaxMessageChars = 1000;

    internal const string Instructions = """
        You name conversations between a developer and Deckhand, an AI agent that works on code with a terminal and a
        file editor. Given the developer's first message, reply with a title and nothing else: no quotes, no label, no
        explanation, no final period.
        """;

    /// <summary>The first message as a title: whitespace collapsed, cut to <see cref="MaxLength"/>; null when it has no text.</summary>
    public static string? FromMessage(string text) => Fit(Collapse(text));

    /// <summary>The model's answer as a title: its first line without quotes or a "Title:" label; null when nothing is left.</summary>
    public static string? FromModel(string answer)
    {
        var line = answer.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        if (line.StartsWith("title:", StringComparison.OrdinalIgnoreCase))
            line = line[6..];
        line = line.Trim().TrimEnd('.').Trim('"', '\'', '`', '*', '#', '“', '”', '‘', '’').TrimEnd('.');
        return Fit(Collapse(line));
    }

    public static IReadOnlyList<AiChatMessage> Prompt(string firstMessage)
    {
        var message = firstMessage.Length <= MaxMessageChars ? firstMessage : firstMessage[..MaxMessageChars] + " […]";
        var user = new StringBuilder()
            .Append("Write a title of at most ").Append(MaxLength).Append(" characters for the conversation that starts with the message below. ")
            .Append("Begin the title with one emoji for the kind of work, for example 🐛 bug fix, ✨ feature, ✅ tests, 📝 docs, ")
            .Append("♻️ refactoring, 🔧 configuration, 📦 dependencies, 🚀 deployment, ⚡ performance, 🔒 security, 💬 question.\n\n")
            .Append("<message>\n").Append(message).Append("\n</message>")
            .ToString();
        return [new AiChatMessage(ChatRole.System, Instructions), new AiChatMessage(ChatRole.User, user)];
    }

    /// <summary>One call to the model for a title. Never streamed: the title is used whole.</summary>
    public static Task<ChatResponse> AskModelAsync(IChatClient llm, LlmConfig config, string firstMessage, CancellationToken cancellationToken) =>
        llm.GetResponseAsync(Prompt(firstMessage), new ChatOptions { Temperature = (float?)config.Temperature }, cancellationToken);

    private static string Collapse(string text) =>
        string.Join(' ', text.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));

    private static string? Fit(string line)
    {
        if (line.Length == 0)
            return null;
        if (line.Length <= MaxLength)
            return line;
        var cut = MaxLength - 1;
        if (char.IsHighSurrogate(line[cut - 1]))
            cut--; // never split an emoji's surrogate pair
        return string.Concat(line.AsSpan(0, cut).TrimEnd(), "…");
    }
}
