using System.Text;

namespace Deckhand.Engine.Tools.FileEditor;

/// <summary>How a file's bytes map to text, so an edited file is written back the way it was read.</summary>
internal enum FileEncoding
{
    Utf8,
    Utf8Bom,
    Utf16LittleEndian,
    Utf16BigEndian,
    /// <summary>Not valid UTF-8: read as ISO-8859-1, where every byte is one character and back.</summary>
    Latin1,
}

/// <summary>
/// A text file decoded without loss: <see cref="Encode"/> of the unchanged <see cref="Text"/> gives back the exact
/// bytes that were read (checked on load), so edits only change what they touch.
/// </summary>
internal sealed class TextFile
{
    public const long MaxBytes = 10L * 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly UnicodeEncoding StrictUtf16Le = new(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true);
    private static readonly UnicodeEncoding StrictUtf16Be = new(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);
    private static readonly System.Text.Encoding StrictLatin1 =
        System.Text.Encoding.GetEncoding(28591, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    private TextFile(FileEncoding encoding, string text)
    {
        Encoding = encoding;
        Text = text;
    }

    public FileEncoding Encoding { get; }

    /// <summary>The decoded content, byte-order mark excluded, line endings as in the file.</summary>
    public string Text { get; }

    public string EncodingName => Encoding switch
    {
        FileEncoding.Utf8 => "UTF-8",
        FileEncoding.Utf8Bom => "UTF-8 with a byte-order mark",
        FileEncoding.Utf16LittleEndian => "UTF-16 (little-endian)",
        FileEncoding.Utf16BigEndian => "UTF-16 (big-endian)",
        _ => "Latin-1 (ISO-8859-1)",
    };

    public static async Task<(TextFile File, byte[] Bytes)> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var length = new FileInfo(path).Length;
        if (length > MaxBytes)
            throw TooLarge(path, length);
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        if (bytes.Length > MaxBytes)
            throw TooLarge(path, bytes.Length);
        return (Decode(bytes, path), bytes);
    }

    /// <summary>Decodes <paramref name="bytes"/>, or explains why this tool will not treat them as text.</summary>
    public static TextFile Decode(byte[] bytes, string path)
    {
        var file = TryDecode(bytes) ?? throw new EditorError(
            $"{path} looks like a binary file (it contains NUL bytes or control characters that text does not), "
            + "so file_editor will not show or change it. Use the terminal (e.g. `file`, `xxd | head`) to inspect it.");
        if (!file.Encode(file.Text).AsSpan().SequenceEqual(bytes))
            throw new EditorError($"{path} cannot be decoded and written back byte for byte ({file.EncodingName}), so file_editor leaves it alone.");
        return file;
    }

    private static TextFile? TryDecode(byte[] bytes)
    {
        try
        {
            if (bytes is [0xEF, 0xBB, 0xBF, ..])
                return new TextFile(FileEncoding.Utf8Bom, StrictUtf8.GetString(bytes, 3, bytes.Length - 3));
            if (bytes is [0xFF, 0xFE, ..] && bytes.Length % 2 == 0)
                return new TextFile(FileEncoding.Utf16LittleEndian, StrictUtf16Le.GetString(bytes, 2, bytes.Length - 2));
            if (bytes is [0xFE, 0xFF, ..] && bytes.Length % 2 == 0)
                return new TextFile(FileEncoding.Utf16BigEndian, StrictUtf16Be.GetString(bytes, 2, bytes.Length - 2));
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        if (bytes.AsSpan().Contains((byte)0))
            return null;
        try
        {
            return new TextFile(FileEncoding.Utf8, StrictUtf8.GetString(bytes));
        }
        catch (DecoderFallbackException)
        {
        }
        return LooksLikeText(bytes) ? new TextFile(FileEncoding.Latin1, StrictLatin1.GetString(bytes)) : null;
    }

    /// <summary>Legacy 8-bit text has few control characters; binary data has many.</summary>
    private static bool LooksLikeText(byte[] bytes)
    {
        var sample = bytes.AsSpan(0, Math.Min(bytes.Length, 64 * 1024));
        var control = 0;
        foreach (var b in sample)
        {
            if ((b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C or 0x0B or 0x1B)) || b == 0x7F)
                control++;
        }
        return control * 20 <= sample.Length; // at most 5%
    }

    /// <summary>Encodes <paramref name="text"/> as this file was encoded; refuses characters the encoding cannot hold.</summary>
    public byte[] Encode(string text)
    {
        try
        {
            return Encoding switch
            {
                FileEncoding.Utf8 => StrictUtf8.GetBytes(text),
                FileEncoding.Utf8Bom => [0xEF, 0xBB, 0xBF, .. StrictUtf8.GetBytes(text)],
                FileEncoding.Utf16LittleEndian => [0xFF, 0xFE, .. StrictUtf16Le.GetBytes(text)],
                FileEncoding.Utf16BigEndian => [0xFE, 0xFF, .. StrictUtf16Be.GetBytes(text)],
                _ => StrictLatin1.GetBytes(text),
            };
        }
        catch (EncoderFallbackException ex)
        {
            var what = ex.CharUnknown != '\0'
                ? $"'{ex.CharUnknown}' (U+{(int)ex.CharUnknown:X4})"
                : $"U+{char.ConvertToUtf32(ex.CharUnknownHigh, ex.CharUnknownLow):X4}";
            throw new EditorError(
                $"The file is {EncodingName} and cannot hold the character {what} from your text. Nothing was written; "
                + "use only characters this encoding has (for Latin-1: U+0000 to U+00FF), or convert the file first.");
        }
    }

    /// <summary>The text a newly created file gets: UTF-8 without a byte-order mark, exactly as sent.</summary>
    public static TextFile New(string text) => new(FileEncoding.Utf8, text);

    private static EditorError TooLarge(string path, long length) => new(
        $"{path} is {length / (1024.0 * 1024.0):0.0} MB; file_editor handles files up to 10 MB. "
        + "Use the terminal for it (e.g. `grep -n`, `sed -n '100,200p'`, `head`).");
}
