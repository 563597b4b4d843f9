using System.Text.Json;
using Deckhand.Engine.Llm.PromptTools;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Tests.Llm.PromptTools;

public sealed class PromptToolCallingChatClientTests
{
    private static ChatOptions Options() => new() { Tools = [.. PromptToolFixtures.Tools], MaxOutputTokens = 100 };

    private static string Text(ChatMessage message) => string.Concat(message.Contents.OfType<TextContent>().Select(t => t.Text));

    [Fact]
    public async Task Request_HasNoTools_AStopWord_AndTheToolsInTheSystemPrompt()
    {
        var inner = new RecordingChatClient("Hello.");
        using var client = new PromptToolCallingChatClient(inner);
        var system = new ChatMessage(ChatRole.System, [new TextContent("You are Deckhand."), new TextContent("Today is Tuesday.")]);

        await client.GetResponseAsync([system, new ChatMessage(ChatRole.User, "hi")], Options());

        var (messages, options) = inner.Requests.Single();
        Assert.Null(options!.Tools);
        Assert.Equal(["</function"], options.StopSequences);
        Assert.Equal(100, options.MaxOutputTokens);
        var blocks = messages[0].Contents.OfType<TextContent>().Select(t => t.Text).ToList();
        Assert.Equal(2, blocks.Count); // the section joins the static block; the dynamic block stays apart
        Assert.StartsWith("You are Deckhand.\n\n## Calling tools", blocks[0]);
        Assert.Equal("Today is Tuesday.", blocks[1]);
        var prompt = blocks[0];
        Assert.Contains("### terminal\nRun a shell command.\nParameters:\n", prompt);
        Assert.Contains("- command (string, required): The command to run.", prompt);
        Assert.Contains("- timeout (integer, optional): Seconds to wait.", prompt);
        Assert.Contains("- security_risk (string, optional, one of: LOW, MEDIUM, HIGH)", prompt);
        Assert.Contains("- view_range (array of integer, as JSON, optional)", prompt);
        Assert.Contains("- ratio (number, optional)", prompt);
        Assert.Contains("### file_editor", prompt);
        Assert.Contains("<function=lookup_word>\n<parameter=word>harbour</parameter>", prompt);
        Assert.DoesNotContain("\r", prompt);
        // The system message the agent handed over is not changed.
        Assert.Equal("You are Deckhand.", Text(system)[..17]);
        Assert.Equal(2, system.Contents.Count);
    }

    [Fact]
    public async Task History_CallsBecomeText_AndResultsBecomeUserMessages()
    {
        var inner = new RecordingChatClient("ok");
        using var client = new PromptToolCallingChatClient(inner);
        const string fileText = "line one\nline two\n";
        ChatMessage[] history =
        [
            new(ChatRole.System, "sys"),
            new(ChatRole.User, "make a file"),
            new(ChatRole.Assistant, [new TextContent("Creating it."), new FunctionCallContent("c1", "file_editor")
            {
                RawRepresentation = JsonSerializer.Serialize(new { command = "create", path = "a.txt", file_text = fileText }),
            }]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "File created.")]),
            new(ChatRole.User, "now run it"),
            new(ChatRole.Assistant, [new FunctionCallContent("c2", "terminal") { RawRepresentation = """{"command":"cat a.txt","timeout":5}""" }]),
            new(ChatRole.Tool, [new FunctionResultContent("c2", "line one\nline two")]),
        ];

        await client.GetResponseAsync(history, Options());

        var sent = inner.Requests.Single().Messages;
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User, ChatRole.Assistant, ChatRole.User], sent.Select(m => m.Role));
        Assert.All(sent, m => Assert.DoesNotContain(m.Contents, c => c is FunctionCallContent or FunctionResultContent));
        Assert.Equal("Creating it.\n<function=file_editor>\n<parameter=command>create</parameter>\n<parameter=path>a.txt</parameter>\n"
            + "<parameter=file_text>\nline one\nline two\n\n</parameter>\n</function>", Text(sent[2]));
        // The result and the user's next message arrive as one user turn.
        Assert.Equal(["Result of file_editor:\nFile created.", "now run it"], sent[3].Contents.OfType<TextContent>().Select(t => t.Text));
        Assert.Equal("<function=terminal>\n<parameter=command>cat a.txt</parameter>\n<parameter=timeout>5</parameter>\n</function>", Text(sent[4]));
        Assert.Equal("Result of terminal:\nline one\nline two", Text(sent[5]));

        // What is rendered parses back to the same arguments.
        var reparsed = PromptToolCallParser.Parse(Text(sent[2]), PromptToolFixtures.Tools);
        Assert.Equal(fileText, JsonDocument.Parse((string)reparsed.Call!.RawRepresentation!).RootElement.GetProperty("file_text").GetString());
    }

    [Fact]
    public async Task Reply_WithACallBlock_BecomesOneFunctionCall_AfterItsText()
    {
        var inner = new RecordingChatClient("Listing files.\n<function=terminal>\n<parameter=command>ls</parameter>\n");
        using var client = new PromptToolCallingChatClient(inner);

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "what is here?")], Options());

        var reply = Assert.Single(response.Messages);
        Assert.Equal("Listing files.", Assert.IsType<TextContent>(reply.Contents[0]).Text);
        var call = Assert.IsType<FunctionCallContent>(reply.Contents[1]);
        Assert.Equal("terminal", call.Name);
        Assert.Equal("""{"command":"ls"}""", call.RawRepresentation);
        Assert.Equal("resp-1", response.ResponseId);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        // No system message was given, so the tools get one of their own.
        var sent = inner.Requests.Single().Messages;
        Assert.Equal(ChatRole.System, sent[0].Role);
        Assert.Contains("### terminal", Text(sent[0]));
    }

    [Fact]
    public async Task Reply_WithoutACall_IsUnchanged_AndWithoutToolsNothingIsAdded()
    {
        var inner = new RecordingChatClient("Just text.", "More text <function=terminal>");
        using var client = new PromptToolCallingChatClient(inner);

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options());
        Assert.Equal("Just text.", response.Text);
        Assert.DoesNotContain(response.Messages[0].Contents, c => c is FunctionCallContent);

        var noTools = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions());
        Assert.Equal("More text <function=terminal>", noTools.Text);
        var (messages, options) = inner.Requests[1];
        Assert.Null(options!.StopSequences);
        Assert.Equal(ChatRole.User, Assert.Single(messages).Role);
    }
}
