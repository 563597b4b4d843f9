namespace Deckhand.AppServer.AppConversations;

/// <summary>Git's rules for a branch name (<c>git check-ref-format --branch</c>), checked without running git.</summary>
public static class BranchNames
{
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 255
        && !name.StartsWith('-') && !name.StartsWith('/') && !name.EndsWith('/') && !name.EndsWith('.')
        && !name.EndsWith(".lock", StringComparison.Ordinal) && name != "@"
        && !name.Contains("..", StringComparison.Ordinal) && !name.Contains("//", StringComparison.Ordinal)
        && !name.Contains("@{", StringComparison.Ordinal) && !name.Contains("/.", StringComparison.Ordinal) && !name.StartsWith('.')
        && !name.Any(c => c < 0x20 || c == 0x7f || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\');
}
