namespace Deckhand.Engine.Secrets;

/// <summary>Stands in for an exception in a log line when its text contains a secret: same type name and text, masked.</summary>
public sealed class MaskedException : Exception
{
    private readonly string _text;

    private MaskedException(string message, string text) : base(message) => _text = text;

    /// <summary><paramref name="exception"/> itself when nothing needs masking, else a masked copy of its text.</summary>
    public static Exception From(Exception exception, SecretMasker masker)
    {
        if (masker.IsEmpty)
            return exception;
        var text = exception.ToString();
        var masked = masker.Apply(text);
        return masked == text ? exception : new MaskedException(masker.Apply(exception.Message), masked);
    }

    public override string ToString() => _text;
}
