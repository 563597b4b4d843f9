using System.Text.Json;
using Deckhand.Engine.Tools;
using Deckhand.Engine.Tools.Mcp;

namespace Deckhand.Engine.Tests.Tools.Mcp;

public sealed class McpSchemaTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void Simplify_ResolvesRefs_CollapsesOptional_AndKeepsOnlyWhatModelsNeed()
    {
        var schema = McpSchema.Simplify(Json("""
            {"type": "object", "$schema": "https://json-schema.org/draft/2020-12/schema", "additionalProperties": false,
             "properties": {
               "path": {"type": "string", "description": "Where.", "minLength": 1, "title": "Path"},
               "limit": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": null, "description": "How many."},
               "mode": {"type": ["string", "null"], "enum": ["fast", "slow"]},
               "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}}
             },
             "required": ["path"],
             "$defs": {"Item": {"type": "object", "title": "Item", "properties": {"name": {"type": "string"}}, "required": ["name"]}}}
            """));
        var expected = Json("""
            {"type": "object",
             "properties": {
               "path": {"type": "string", "description": "Where."},
               "limit": {"type": "integer", "description": "How many."},
               "mode": {"type": "string", "enum": ["fast", "slow"]},
               "items": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}
             },
             "required": ["path"]}
            """);
        Assert.True(JsonElement.DeepEquals(expected, schema), schema.GetRawText());
        Assert.Equal(["type", "properties", "required"], schema.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Simplify_GivesAnObjectSchema_WhenTheServerSentNone()
    {
        var schema = McpSchema.Simplify(default);
        Assert.Equal("object", schema.GetProperty("type").GetString());
        Assert.Empty(schema.GetProperty("properties").EnumerateObject());
    }

    [Fact]
    public void Check_DecodesListsSentAsText_DropsKind_AndKeepsOtherArguments()
    {
        var schema = McpSchema.Simplify(Json("""{"type":"object","properties":{"paths":{"type":"array","items":{"type":"string"}},"n":{"type":"integer"}}}"""));
        var checkedArgs = McpSchema.Check(Json("""{"paths": "[\"a\", \"b\"]", "n": 3, "kind": "X", "extra": true}"""), schema);
        Assert.Equal("""{"paths":["a","b"],"n":3,"extra":true}""", checkedArgs.GetRawText());
    }

    [Theory]
    [InlineData("""{}""", "Missing required parameter(s): 'path'")]
    [InlineData("""{"path": 7}""", "Parameter 'path' must be a string")]
    [InlineData("""{"path": "p", "n": 1.5}""", "Parameter 'n' must be an integer")]
    [InlineData("""{"path": "p", "mode": "medium"}""", "Parameter 'mode' must be one of: \"fast\", \"slow\"")]
    [InlineData("""[1]""", "Arguments must be a JSON object.")]
    public void Check_RejectsArgumentsTheServerWouldRefuse_WithAMessageForTheModel(string arguments, string message)
    {
        var schema = McpSchema.Simplify(Json("""
            {"type":"object","required":["path"],"properties":{"path":{"type":"string"},"n":{"type":"integer"},"mode":{"type":"string","enum":["fast","slow"]}}}
            """));
        var error = Assert.Throws<ToolArgumentException>(() => McpSchema.Check(Json(arguments), schema));
        Assert.Equal(message, error.Message);
    }
}
