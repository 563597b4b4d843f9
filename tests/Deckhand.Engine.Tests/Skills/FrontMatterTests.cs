using Deckhand.Engine.Skills;

namespace Deckhand.Engine.Tests.Skills;

public sealed class FrontMatterTests
{
    [Fact]
    public void NoFrontMatter_IsAllBody()
    {
        var (meta, body) = FrontMatter.Split("# Title\n\ntext\n");
        Assert.Empty(meta);
        Assert.Equal("# Title\n\ntext\n", body);
    }

    [Fact]
    public void BlockAndFlowLists_QuotedScalars_AndComments_AreRead()
    {
        var (meta, body) = FrontMatter.Split("""
            ---
            # a comment
            name: "deploy helper"   
            type: knowledge # trailing comment
            triggers:
            - deploy
            - 'release: now'
            paths: [src/**, "docs/*.md"]
            version: 1.0.0
            ---
            Body line.
            """);
        Assert.Equal("deploy helper", meta["name"]);
        Assert.Equal("knowledge", meta["type"]);
        Assert.Equal(["deploy", "release: now"], ((List<object?>)meta["triggers"]!).Cast<string>());
        Assert.Equal(["src/**", "docs/*.md"], ((List<object?>)meta["paths"]!).Cast<string>());
        Assert.Equal("1.0.0", meta["version"]);
        Assert.Equal("Body line.", body);
    }

    [Fact]
    public void IndentedListsOfMappings_BlockScalars_AndContinuedPlainScalars_AreRead()
    {
        var (meta, _) = FrontMatter.Split("""
            ---
            description: A long description
              that continues here
            notes: |
              line one
              line two
            folded: >
              joined
              words
            inputs:
              - name: BRANCH
                description: "Branch to use"
              - name: TICKET
            metadata:
              owner: team-a
            ---
            """);
        Assert.Equal("A long description that continues here", meta["description"]);
        Assert.Equal("line one\nline two\n", meta["notes"]);
        Assert.Equal("joined words\n", meta["folded"]);
        var inputs = (List<object?>)meta["inputs"]!;
        Assert.Equal(2, inputs.Count);
        Assert.Equal("Branch to use", ((Dictionary<string, object?>)inputs[0]!)["description"]);
        Assert.Equal("TICKET", ((Dictionary<string, object?>)inputs[1]!)["name"]);
        Assert.Equal("team-a", ((Dictionary<string, object?>)meta["metadata"]!)["owner"]);
    }

    [Theory]
    [InlineData("---\nname: x\nno closing line\n", "no closing")]
    [InlineData("---\nname: x\n\ttriggers: [a]\n---\n", "tabs")]
    [InlineData("---\nname: x\njust words\n---\n", "expected 'key: value'")]
    [InlineData("---\ntriggers: [a, b\n---\n", "does not end with ']'")]
    [InlineData("---\nname: \"open\n---\n", "unterminated")]
    [InlineData("---\nname: a\nname: b\n---\n", "appears twice")]
    public void Malformed_ThrowsWithAReason(string text, string reason)
    {
        var ex = Assert.Throws<SkillFormatException>(() => FrontMatter.Split(text));
        Assert.Contains(reason, ex.Message);
    }
}
