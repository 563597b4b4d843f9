namespace Deckhand.AppServer.AppConversations;

/// <summary>
/// OpenHands' two UUID notations: the app server writes its own ids (conversations, start tasks) as 32-char hex and
/// accepts both hex and dashed input; the catalogue table keeps conversation ids dashed, as OpenHands does.
/// </summary>
public static class Ids
{
    /// <summary>The prefix the web app puts before a start task's id while the conversation does not exist yet.</summary>
    public const string TaskPrefix = "task-";

    public static bool TryParse(string? text, out Guid id) => Guid.TryParse(text, out id) && text!.Length is 32 or 36;

    public static string Hex(Guid id) => id.ToString("N");

    public static string Dashed(Guid id) => id.ToString("D");
}
