using Deckhand.V0.ConversationRoutes;

namespace Deckhand.Tests.V0;

/// <summary>The root <c>.gitignore</c> filter of <c>list-files</c>.</summary>
public sealed class GitIgnoreTests
{
    private static readonly GitIgnore Rules = new(
    [
        "# comment", "", "*.log", "!keep.log", "build/", "/only-root.txt", "docs/**/*.tmp", "cache?", "[Tt]emp", "a/**",
    ]);

    [Theory]
    [InlineData("debug.log", false, true)]
    [InlineData("src/deep/trace.log", false, true)]
    [InlineData("keep.log", false, false)]
    [InlineData("build", true, true)]
    [InlineData("build", false, false)]
    [InlineData("src/build/out.js", false, true)]
    [InlineData("only-root.txt", false, true)]
    [InlineData("src/only-root.txt", false, false)]
    [InlineData("docs/x/y/z.tmp", false, true)]
    [InlineData("docs/z.tmp", false, true)]
    [InlineData("cache1", true, true)]
    [InlineData("cache12", true, false)]
    [InlineData("Temp", true, true)]
    [InlineData("a/b/c.txt", false, true)]
    [InlineData("a", true, false)]
    [InlineData("README.md", false, false)]
    public void IsIgnored_FollowsGitignoreRules(string path, bool isDirectory, bool ignored) =>
        Assert.Equal(ignored, Rules.IsIgnored(path, isDirectory));
}
