using System.Text;
using Deckhand.Engine.Secrets;

namespace Deckhand.Engine.Tests.Secrets;

public sealed class SecretMaskerTests
{
    private const string Secret = "tok-9f8e7d6c5b4a";

    private static readonly SecretMasker Masker = new([Secret, "ab"]);

    [Fact]
    public void Values_AreMasked_ShortOnesAreNot_AndMaskingTwiceChangesNothing()
    {
        var once = Masker.Apply($"key={Secret}; ab stays");
        Assert.Equal("key=<secret-hidden>; ab stays", once);
        Assert.Equal(once, Masker.Apply(once));
    }

    [Theory]
    [InlineData("")]
    [InlineData("u")]
    [InlineData("us")]
    [InlineData("user:")]
    public void Base64_IsMasked_AtAnyAlignment(string prefix)
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(prefix + Secret + "\n"));
        var masked = Masker.Apply(encoded);
        Assert.Contains(SecretMasker.Mask, masked);
        // No run of the value's own encoding survives.
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret))[..12], masked);
    }

    [Fact]
    public void UrlSafeBase64_AndMultiLineValues_AreMasked()
    {
        var value = "line-one-secret\n>>>line-two-secret???";
        var masker = new SecretMasker([value]);
        var urlSafe = Convert.ToBase64String(Encoding.UTF8.GetBytes(value)).Replace('+', '-').Replace('/', '_');
        Assert.Equal(SecretMasker.Mask, masker.Apply(urlSafe.TrimEnd('=')));
        Assert.Equal($"a {SecretMasker.Mask} b", masker.Apply("a line-one-secret b"));
    }

    [Fact]
    public void PartialTail_IsTheLongestEndThatStartsASecret()
    {
        Assert.Equal(7, Masker.PartialTail("output tok-9f8"));
        Assert.Equal(0, Masker.PartialTail("output done"));
        Assert.Equal(0, Masker.PartialTail($"whole {Secret}"));
    }

    [Fact]
    public void Empty_LeavesTextAlone() => Assert.Equal("x", SecretMasker.Empty.Apply("x"));
}
