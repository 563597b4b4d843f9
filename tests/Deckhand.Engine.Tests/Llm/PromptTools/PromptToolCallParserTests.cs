using System.Text.Json;
using Deckhand.Engine.Llm.PromptTools;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Tests.Llm.PromptTools;

public sealed class PromptToolCallParserTests
{
    private static PromptToolCallParser.Reply Parse(string text) => PromptToolCallParser.Parse(text, PromptToolFixtures.Tools);

    private static JsonElement Arguments(FunctionCallContent? call)
    {
        Assert.NotNull(call);
        Assert.Null(call.Exception);
        using var doc = JsonDocument.Parse(Assert.IsType<string>(call.RawRepresentation));
        return doc.RootElement.Clone();
    }

    [Fact]
    public void MultiLineStringValue_IsKeptExactly_WithoutTheFramingLineBreaks()
    {
        const string fileText = "def main():\n    print(\"hi\")\n\n\n    return 0  \n";
        var reply = Parse($"<function=file_editor>\n<parameter=command>create</parameter>\n<parameter=path>/tmp/a.py</parameter>\n"
            + $"<parameter=file_text>\n{fileText}\n</parameter>\n</function>");

        var arguments = Arguments(reply.Call);
        Assert.Equal("file_editor", reply.Call!.Name);
        Assert.Equal(fileText, arguments.GetProperty("file_text").GetString());
        Assert.Equal("/tmp/a.py", arguments.GetProperty("path").GetString());
        Assert.Equal(["command", "path", "file_text"], arguments.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Values_AreTypedByTheSchema()
    {
        var reply = Parse("<function=file_editor>\n<parameter=command> view </parameter>\n<parameter=path>a.txt</parameter>\n"
            + "<parameter=view_range>\n[1, 20]\n</parameter>\n<parameter=ratio>0.5</parameter>\n<parameter=options>{\"a\": true}</parameter>\n</function>");
        var arguments = Arguments(reply.Call);
        Assert.Equal("view", arguments.GetProperty("command").GetString()); // an enum value forgives stray spaces
        Assert.Equal([1, 20], arguments.GetProperty("view_range").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(0.5, arguments.GetProperty("ratio").GetDouble());
        Assert.True(arguments.GetProperty("options").GetProperty("a").GetBoolean());

        var terminal = Arguments(Parse("<function=terminal><parameter=command> ls  </parameter><parameter=timeout> 30\n</parameter>"
            + "<parameter=is_input>False</parameter></function>").Call);
        Assert.Equal(" ls  ", terminal.GetProperty("command").GetString()); // free text is verbatim
        Assert.Equal(JsonValueKind.Number, terminal.GetProperty("timeout").ValueKind);
        Assert.Equal(30, terminal.GetProperty("timeout").GetInt32());
        Assert.Equal(JsonValueKind.False, terminal.GetProperty("is_input").ValueKind);
    }

    [Theory]
    [InlineData("<function=terminal>\n<parameter=command>ls -la</parameter>\n")] // stopped at the stop word
    [InlineData("<function=terminal>\n<parameter=command>ls -la</parameter>\n</function")] // server echoed the stop word
    [InlineData("<function=terminal>\n<parameter=command>ls -la\n")] // cut off inside the last parameter
    [InlineData("<tool_call>\n<function=terminal>\n<parameter=command>ls -la</parameter>\n</function>\n</tool_call>")]
    [InlineData("</think>\n\n<function=terminal><parameter=command>ls -la</parameter></function>")]
    public void ToleratedVariants_StillGiveTheCall(string text)
    {
        var reply = Parse(text);
        Assert.Equal("ls -la", Arguments(reply.Call).GetProperty("command").GetString());
        Assert.Equal("", reply.Text);
        Assert.StartsWith("call_", reply.Call!.CallId);
    }

    [Fact]
    public void TextBeforeTheCall_IsKept_AndAnythingAfterItDropped()
    {
        var reply = Parse("<think>check first</think>\nI will list the files.\n<function=terminal>\n<parameter=command>ls</parameter>\n</function>\n"
            + "<function=terminal><parameter=command>rm -rf /</parameter></function>");
        Assert.Equal("<think>check first</think>\nI will list the files.", reply.Text);
        Assert.Equal("ls", Arguments(reply.Call).GetProperty("command").GetString());
    }

    [Fact]
    public void PlainText_HasNoCall()
    {
        var reply = Parse("The answer is 42.");
        Assert.Null(reply.Call);
        Assert.Equal("The answer is 42.", reply.Text);
    }

    [Theory]
    [InlineData("<function=terminal>\n<parameter name=\"command\">ls</parameter>\n</function>", "unexpected text inside the call")]
    [InlineData("<function=terminal>\n{\"command\": \"ls\"}\n</function>", "unexpected text inside the call")]
    [InlineData("<function=terminal>\n<parameter=timeout>5</parameter>\n</function>", "the required parameter 'command' is missing")]
    [InlineData("<function=file_editor>\n<parameter=command>view</parameter>\n<parameter=path>a</parameter>\n<parameter=view_range>1 to 5</parameter>\n</function>",
        "the value of 'view_range' must be an array written as JSON, not: '1 to 5'")]
    [InlineData("<function=terminal>\n<parameter=command>ls</parameter>\n<parameter=timeout>soon</parameter>\n</function>", "must be an integer")]
    [InlineData("<function=terminal>\n<parameter=command>ls\n<parameter=timeout>5\n</function>", "'command' has no closing </parameter>")]
    [InlineData("<function=terminal>\n<parameter=command>ls</parameter>\n<parameter=command>pwd</parameter>\n</function>", "given twice")]
    [InlineData("<function= >\n</function>", "does not start with <function=TOOL_NAME>")]
    public void MalformedCall_IsACallCarryingACorrectionForTheModel(string text, string problem)
    {
        var reply = Parse("Let me try.\n" + text);
        Assert.Equal("Let me try.", reply.Text);
        var call = Assert.IsType<FunctionCallContent>(reply.Call);
        var error = Assert.IsType<MalformedToolCallException>(call.Exception);
        Assert.Contains(problem, error.Message);
        Assert.Contains("<parameter=NAME>value</parameter>", error.Message);
        // The recorded arguments are still valid JSON, so the ActionEvent can store them.
        using var doc = JsonDocument.Parse(Assert.IsType<string>(call.RawRepresentation));
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
    }

    [Fact]
    public void UnknownTool_IsLeftToTheAgentToReport_WithStringArguments()
    {
        var call = Parse("<function=bash>\n<parameter=command>ls</parameter>\n<parameter=timeout>5</parameter>\n</function>").Call;
        var arguments = Arguments(call);
        Assert.Equal("bash", call!.Name);
        Assert.Equal("5", arguments.GetProperty("timeout").GetString());
    }
}
