using Deckhand.AgentServer.Webhooks;

namespace Deckhand.Tests.AgentServer;

/// <summary>The <c>webhooks</c> config read from <c>OH_</c> environment variables (agent-server spec §1.1, V1 spec §7.2).</summary>
public sealed class WebhookConfigTests
{
    [Fact]
    public void IndexedVariables_BuildTheSpec_WithDefaultsForWhatIsMissing()
    {
        var result = WebhookConfig.Read(new Dictionary<string, string>
        {
            ["OH_WEBHOOKS_0_BASE_URL"] = "http://127.0.0.1:3000/api/v1/webhooks/abc",
            ["OH_WEBHOOKS_0_HEADERS_X-Tenant"] = "t1",
            ["OH_WEBHOOKS_0_FLUSH_DELAY"] = "1.5",
            ["OH_WEBHOOKS_0_EVENT_BUFFER_SIZE"] = "10",
            ["OH_WEBHOOKS_1"] = """{"base_url": "https://example.test/hooks", "headers": {"Authorization": "Bearer x"}, "num_retries": 0}""",
            ["OH_WEBHOOKS_1_RETRY_DELAY"] = "2",
            ["OH_OTHER"] = "ignored",
        });

        Assert.Empty(result.Problems);
        Assert.Equal(2, result.Webhooks.Count);
        var first = result.Webhooks[0];
        Assert.Equal("http://127.0.0.1:3000/api/v1/webhooks/abc", first.BaseUrl);
        Assert.Equal("t1", first.Headers["X-Tenant"]);
        Assert.Equal(1.5, first.FlushDelay);
        Assert.Equal(10, first.EventBufferSize);
        Assert.Equal(3, first.NumRetries);
        Assert.Equal(5.0, first.RetryDelay);
        Assert.Equal(1000, first.MaxQueueSize);
        Assert.Equal(5L * 1024 * 1024, first.MaxBatchBytes);
        Assert.Equal(50L * 1024 * 1024, first.MaxQueueBytes);
        var second = result.Webhooks[1];
        Assert.Equal("Bearer x", second.Headers["authorization"]);
        Assert.Equal(0, second.NumRetries);
        Assert.Equal(2.0, second.RetryDelay);
    }

    [Fact]
    public void JsonList_IsRead()
    {
        var result = WebhookConfig.Read(new Dictionary<string, string>
        {
            ["OH_WEBHOOKS"] = """[{"base_url": "http://a.test/"}, {"base_url": "http://b.test/", "max_queue_size": 7}]""",
        });
        Assert.Empty(result.Problems);
        Assert.Equal(["http://a.test/", "http://b.test/"], result.Webhooks.Select(w => w.BaseUrl));
        Assert.Equal(7, result.Webhooks[1].MaxQueueSize);
    }

    [Fact]
    public void BaseUrlFile_WhileItHoldsAUrl_ReplacesTheBaseUrl_AndIsReadAgainEachTime()
    {
        var file = Path.Combine(Path.GetTempPath(), $"deckhand-webhook-url-{Guid.NewGuid():N}");
        try
        {
            var spec = Assert.Single(WebhookConfig.Read(new Dictionary<string, string>
            {
                ["OH_WEBHOOKS_0_BASE_URL"] = "http://127.0.0.1:3000/api/v1/webhooks/abc",
                ["OH_WEBHOOKS_0_BASE_URL_FILE"] = file,
            }).Webhooks);
            Assert.Equal(file, spec.BaseUrlFile);
            Assert.Equal("http://127.0.0.1:3000/api/v1/webhooks/abc", spec.Root); // no file yet
            File.WriteAllText(file, "http://127.0.0.1:4123/api/v1/webhooks/abc/\n");
            Assert.Equal("http://127.0.0.1:4123/api/v1/webhooks/abc", spec.Root);
            File.WriteAllText(file, "not a url");
            Assert.Equal("http://127.0.0.1:3000/api/v1/webhooks/abc", spec.Root);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void NoVariables_NoWebhooks()
    {
        var result = WebhookConfig.Read(new Dictionary<string, string> { ["PATH"] = "/usr/bin" });
        Assert.Empty(result.Webhooks);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void BadValues_AreReportedByName_AndNeverEchoHeaderValues()
    {
        var result = WebhookConfig.Read(new Dictionary<string, string>
        {
            ["OH_WEBHOOKS_0_BASE_URL"] = "not a url",
            ["OH_WEBHOOKS_0_HEADERS_Authorization"] = "Bearer secret-token",
            ["OH_WEBHOOKS_1_BASE_URL"] = "http://ok.test/",
            ["OH_WEBHOOKS_1_EVENT_BUFFER_SIZE"] = "many",
            ["OH_WEBHOOKS_2_FLUSH_DELAY"] = "1",
            ["OH_WEBHOOKS_3"] = "{not json",
        });
        Assert.Empty(result.Webhooks);
        var text = string.Join("\n", result.Problems);
        Assert.Contains("OH_WEBHOOKS_0: base_url must be an absolute http(s) URL", text);
        Assert.Contains("OH_WEBHOOKS_1: event_buffer_size must be an integer", text);
        Assert.Contains("OH_WEBHOOKS_2: base_url is required", text);
        Assert.Contains("OH_WEBHOOKS_3 is not valid JSON", text);
        Assert.DoesNotContain("secret-token", text);
    }
}
