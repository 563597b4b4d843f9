using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Events;
using static Deckhand.Contracts.Tests.Events.GoldenJson;

namespace Deckhand.Contracts.Tests.Events;

/// <summary>What the event reader refuses, and what it forgives (as OpenHands' Message model does).</summary>
public sealed class NegativeAndLenientReadTests
{
    [Fact]
    public void UnknownKind_Throws()
    {
        Assert.Throws<JsonException>(() => Read("""{"id":"x","timestamp":"t","source":"agent","kind":"NoSuchEvent"}"""));
    }

    [Fact]
    public void MissingKind_IsRejected()
    {
        // STJ reports a missing discriminator on an abstract base as NotSupportedException, not JsonException;
        // HTTP readers that catch only JsonException must also map this one to a 4xx.
        var ex = Record.Exception(() => Read("""{"id":"x","timestamp":"t","source":"user"}"""));

        Assert.True(ex is JsonException or NotSupportedException, ex?.GetType().Name ?? "no exception");
        Assert.Contains("type discriminator", ex!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KindNotAString_Throws()
    {
        Assert.Throws<JsonException>(() => Read("""{"id":"x","timestamp":"t","source":"user","kind":7}"""));
    }

    [Fact]
    public void UnknownActionKind_Throws()
    {
        Assert.Throws<JsonException>(() => Read("""
            {"id":"x","timestamp":"t","source":"agent","action":{"x":1,"kind":"NoSuchAction"},"tool_name":"t","tool_call_id":"c",
             "tool_call":{"id":"c","name":"t","arguments":"{}"},"llm_response_id":"r","kind":"ActionEvent"}
            """));
    }

    [Fact]
    public void MissingRequiredField_Throws()
    {
        Assert.Throws<JsonException>(() => Read("""{"id":"x","timestamp":"t","source":"environment","code":"C","kind":"ServerErrorEvent"}"""));
    }

    [Fact]
    public void UnknownSource_Throws()
    {
        Assert.Throws<JsonException>(() => Read("""{"id":"x","timestamp":"t","source":"robot","kind":"PauseEvent"}"""));
    }

    [Fact]
    public void MessageEvent_BareStringContent_ReadsAsOneTextPart()
    {
        var e = Read<MessageEvent>("""
            {"id":"x","timestamp":"t","source":"user","llm_message":{"role":"user","content":"hi"},"kind":"MessageEvent"}
            """);

        var part = Assert.IsType<TextContent>(Assert.Single(e.LlmMessage.Content));
        Assert.Equal("hi", part.Text);
        Assert.Contains("\"content\":[{\"type\":\"text\",\"text\":\"hi\",\"cache_prompt\":false}]", Compact(e));
    }

    [Fact]
    public void MessageEvent_NullContent_ReadsAsEmpty()
    {
        var e = Read<MessageEvent>("""
            {"id":"x","timestamp":"t","source":"agent","llm_message":{"role":"assistant","content":null},"kind":"MessageEvent"}
            """);

        Assert.Empty(e.LlmMessage.Content);
    }

    [Fact]
    public void MessageEvent_ImageContent_RoundTripsImageUrls()
    {
        var original = (MessageEvent)EventCases.All["MessageEvent_Image"]();

        var back = Read<MessageEvent>(Compact(original));

        var image = Assert.IsType<ImageContent>(back.LlmMessage.Content[1]);
        Assert.Equal(["data:image/png;base64,iVBORw0KGgo="], image.ImageUrls);
        Assert.True(image.CachePrompt);
        Assert.Equal("What is this?", Assert.IsType<TextContent>(back.LlmMessage.Content[0]).Text);
    }

    [Fact]
    public void MessageEvent_UnknownContentType_Throws()
    {
        Assert.Throws<JsonException>(() => Read("""
            {"id":"x","timestamp":"t","source":"user","llm_message":{"role":"user","content":[{"type":"video","url":"v"}]},"kind":"MessageEvent"}
            """));
    }
}
