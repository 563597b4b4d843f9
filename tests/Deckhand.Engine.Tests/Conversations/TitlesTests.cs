using Deckhand.Engine.Conversations;

namespace Deckhand.Engine.Tests.Conversations;

public sealed class TitlesTests
{
    [Theory]
    [InlineData("🐛 Fix the login test", "🐛 Fix the login test")]
    [InlineData("\"✨ Add dark mode\"", "✨ Add dark mode")]
    [InlineData("Title: **Refactor the parser**.", "Refactor the parser")]
    [InlineData("\n\n  📝 Write   the docs \nbecause the user asked", "📝 Write the docs")]
    [InlineData("  \n ", null)]
    [InlineData("\"\"", null)]
    public void FromModel_KeepsTheTitleOnly(string answer, string? expected) => Assert.Equal(expected, Titles.FromModel(answer));

    [Fact]
    public void LongTitles_AreCutTo50_WithoutSplittingAnEmoji()
    {
        var title = Titles.FromModel(new string('a', 48) + "🐛🐛🐛")!;
        Assert.True(title.Length <= Titles.MaxLength);
        Assert.EndsWith("…", title);
        Assert.False(char.IsHighSurrogate(title[^2]), "the cut must not leave half an emoji");
        Assert.Equal(Titles.MaxLength, Titles.FromMessage(new string('w', 80) + " tail")!.Length);
        Assert.Null(Titles.FromMessage(" \n\t "));
    }

    [Fact]
    public void Prompt_CarriesTheMessage_CutWhenLong()
    {
        var prompt = Titles.Prompt("make it fast" + new string('x', 5000));
        var user = prompt[^1].Text;
        Assert.Contains("make it fast", user);
        Assert.True(user.Length < 2000);
    }
}
