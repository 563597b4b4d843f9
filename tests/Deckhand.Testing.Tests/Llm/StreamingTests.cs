using System.Text;
using System.Text.Json;
using Deckhand.Testing.Llm;
using OpenAI.Chat;

namespace Deckhand.Testing.Tests.Llm;

/// <summary>Streamed answers, assembled from the official OpenAI SDK's streaming updates.</summary>
public sealed class StreamingTests : IAsyncLifetime
{
    private ScriptedLlmServer _server = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await ScriptedLlmServer.StartAsync(Token);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task StreamingText_ArrivesInSeveralDeltas_ThatJoinToTheText()
    {
        const string text = "Hello from the scripted server 🚢 with emoji and more words.";
        _server.Enqueue(ScriptedReply.Text(text));

        var streamed = await StreamAsync(OpenAiTestClients.Chat(_server, "gpt-4o"));

        Assert.Equal(text, streamed.Text.ToString());
        Assert.True(streamed.ContentUpdates > 5, $"{streamed.ContentUpdates} content updates");
        Assert.Equal(ChatMessageRole.Assistant, streamed.Role);
        Assert.Equal(ChatFinishReason.Stop, streamed.FinishReason);
        Assert.Equal("gpt-4o", streamed.Model);
        Assert.Empty(streamed.Calls);
        var request = Assert.Single(_server.Requests);
        Assert.True(request.Stream);
    }

    [Fact]
    public async Task StreamingToolCalls_AssembleByIndex_IntoIdsNamesAndArguments()
    {
        _server.Enqueue(ScriptedReply.ToolCalls(
            "Let me look.",
            ScriptedToolCall.Create("get_weather", new { city = "Reykjavík", units = "metric" }),
            ScriptedToolCall.Create("finish", new { message = "done" })));

        var streamed = await StreamAsync(OpenAiTestClients.Chat(_server));

        Assert.Equal("Let me look.", streamed.Text.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, streamed.FinishReason);
        Assert.Equal(2, streamed.Calls.Count);
        var weather = streamed.Calls[0];
        Assert.StartsWith("call_", weather.Id, StringComparison.Ordinal);
        Assert.Equal("get_weather", weather.Name);
        Assert.True(weather.ArgumentUpdates > 1, $"{weather.ArgumentUpdates} argument updates");
        using var arguments = JsonDocument.Parse(weather.Arguments.ToString());
        Assert.Equal("Reykjavík", arguments.RootElement.GetProperty("city").GetString());
        Assert.Equal("finish", streamed.Calls[1].Name);
        Assert.Equal("""{"message":"done"}""", streamed.Calls[1].Arguments.ToString());
        Assert.NotEqual(weather.Id, streamed.Calls[1].Id);
    }

    [Fact]
    public async Task StreamingUsage_ArrivesInTheUsageChunk_WithCachedAndReasoningTokens()
    {
        _server.Enqueue(ScriptedReply.ToolCall("finish").WithUsage(5000, 300, cachedTokens: 4096, reasoningTokens: 256));

        var streamed = await StreamAsync(OpenAiTestClients.Chat(_server));

        Assert.True(Assert.Single(_server.Requests).IncludeUsage);
        var usage = Assert.IsType<ChatTokenUsage>(streamed.Usage);
        Assert.Equal((5000, 300, 5300), (usage.InputTokenCount, usage.OutputTokenCount, usage.TotalTokenCount));
        Assert.Equal(4096, usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(256, usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.Equal("{}", Assert.Single(streamed.Calls).Arguments.ToString());
    }

    [Fact]
    public async Task StreamingError_IsThrownBeforeAnyUpdate()
    {
        _server.Enqueue(ScriptedReply.Error(503, "overloaded"));

        var error = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(
            () => StreamAsync(OpenAiTestClients.Chat(_server)));

        Assert.Equal(503, error.Status);
    }

    private static async Task<StreamedReply> StreamAsync(ChatClient client)
    {
        var reply = new StreamedReply();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("go")], cancellationToken: Token))
        {
            reply.Model ??= update.Model;
            reply.Role ??= update.Role;
            reply.FinishReason ??= update.FinishReason;
            reply.Usage ??= update.Usage;
            foreach (var part in update.ContentUpdate)
            {
                reply.ContentUpdates++;
                reply.Text.Append(part.Text);
            }

            foreach (var toolUpdate in update.ToolCallUpdates)
            {
                while (reply.Calls.Count <= toolUpdate.Index)
                {
                    reply.Calls.Add(new StreamedCall());
                }

                var call = reply.Calls[toolUpdate.Index];
                call.Id ??= toolUpdate.ToolCallId;
                call.Name ??= toolUpdate.FunctionName;
                if (toolUpdate.FunctionArgumentsUpdate is { } piece && !piece.ToMemory().IsEmpty)
                {
                    call.ArgumentUpdates++;
                    call.Arguments.Append(piece.ToString());
                }
            }
        }

        return reply;
    }

    private sealed class StreamedReply
    {
        public string? Model { get; set; }

        public ChatMessageRole? Role { get; set; }

        public ChatFinishReason? FinishReason { get; set; }

        public ChatTokenUsage? Usage { get; set; }

        public int ContentUpdates { get; set; }

        public StringBuilder Text { get; } = new();

        public List<StreamedCall> Calls { get; } = [];
    }

    private sealed class StreamedCall
    {
        public string? Id { get; set; }

        public string? Name { get; set; }

        public int ArgumentUpdates { get; set; }

        public StringBuilder Arguments { get; } = new();
    }
}
