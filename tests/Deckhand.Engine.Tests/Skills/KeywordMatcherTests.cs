using Deckhand.Engine.Skills;

namespace Deckhand.Engine.Tests.Skills;

public sealed class KeywordMatcherTests
{
    [Theory]
    [InlineData("Please use git here", "git", true)]
    [InlineData("push it to GitHub", "git", false)]
    [InlineData("GIT status please", "git", true)]
    [InlineData("(git)", "git", true)]
    [InlineData("run /linear now", "/linear", true)]
    [InlineData("run/linear now", "/linear", true)]
    [InlineData("run /linearly", "/linear", false)]
    [InlineData("deploy-ready", "deploy", true)]
    [InlineData("redeploy it", "deploy", false)]
    [InlineData("about k8s pods", "k8s", true)]
    [InlineData("anything", "  ", false)]
    public void Occurs_RespectsAlphanumericBoundaries_AndIgnoresCase(string text, string keyword, bool expected) =>
        Assert.Equal(expected, KeywordMatcher.Occurs(text, keyword));

    [Fact]
    public void FirstMatch_ReturnsTheFirstKeywordInListOrder() =>
        Assert.Equal("ship", KeywordMatcher.FirstMatch("deploy and ship", ["release", "ship", "deploy"]));
}
