using System.Security.Cryptography;

namespace Deckhand.Engine.Tools.FileEditor;

/// <summary>
/// What each file held before this conversation's last edits to it (up to <see cref="Depth"/> per file), kept as the
/// exact bytes so undo restores them exactly. <see cref="Entry.Before"/> is null when the edit created the file.
/// Used under the tool's lock only.
/// </summary>
internal sealed class EditHistory
{
    public const int Depth = 10;

    private readonly Dictionary<string, LinkedList<Entry>> _byPath = new(StringComparer.Ordinal);

    /// <param name="Before">The file's bytes before the edit; null if the edit created it.</param>
    /// <param name="WrittenHash">SHA-256 of what the edit wrote, to tell whether something else changed the file since.</param>
    public sealed record Entry(byte[]? Before, byte[] WrittenHash);

    public void Record(string fullPath, byte[]? before, byte[] written)
    {
        if (!_byPath.TryGetValue(fullPath, out var entries))
            _byPath[fullPath] = entries = new LinkedList<Entry>();
        entries.AddLast(new Entry(before, SHA256.HashData(written)));
        if (entries.Count > Depth)
            entries.RemoveFirst();
    }

    public Entry? Peek(string fullPath) => _byPath.TryGetValue(fullPath, out var entries) ? entries.Last?.Value : null;

    public void Pop(string fullPath)
    {
        if (_byPath.TryGetValue(fullPath, out var entries) && entries.Count > 0)
            entries.RemoveLast();
    }

    public static bool Matches(Entry entry, byte[]? current) =>
        current is not null && SHA256.HashData(current).AsSpan().SequenceEqual(entry.WrittenHash);
}
