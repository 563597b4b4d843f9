using System.Numerics;
using System.Text;

namespace Deckhand.AppServer.Sandboxes;

/// <summary>Base62 (0-9, A-Z, a-z) of random bytes: ids and keys that are safe in URLs, paths and headers.</summary>
public static class Base62
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        if (value.IsZero)
            return "0";
        var text = new StringBuilder();
        while (!value.IsZero)
        {
            value = BigInteger.DivRem(value, 62, out var remainder);
            text.Insert(0, Alphabet[(int)remainder]);
        }
        return text.ToString();
    }
}
