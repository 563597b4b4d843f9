using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.V0.Conversations;

namespace Deckhand.Tests.V0;

/// <summary>How a V0 create body becomes a V1 start (no server), and the legacy list's page ids.</summary>
public sealed class ConversationsPlanTests
{
    private static V0CreatePlan Plan(string json, bool allowId = false)
    {
        using var document = JsonDocument.Parse(json);
        var (request, problems) = InitSessionRequest.Parse(document.RootElement, allowId);
        Assert.Empty(problems);
        var (plan, problem) = V0ConversationEndpoints.Plan(request!);
        Assert.Null(problem);
        return plan!;
    }

    [Fact]
    public void EveryField_MapsOntoTheStartRequestAndExtras()
    {
        var id = Guid.NewGuid();
        var plan = Plan($$"""
            {"repository":"acme/rockets","git_provider":"gitlab","selected_branch":"dev","initial_user_msg":"Look",
             "image_urls":["data:image/png;base64,AAAA"],"conversation_instructions":"Be brief.","replay_json":null,
             "mcp_config":{"sse_servers":["http://127.0.0.1:9/sse"],"stdio_servers":[],"shttp_servers":[]},"conversation_id":"{{id:N}}"}
            """, allowId: true);
        Assert.Equal(id, plan.ConversationId);
        Assert.Equal(id, plan.Extras.ConversationId);
        Assert.Equal("V0", plan.Extras.Version);
        Assert.Equal("Be brief.", plan.Extras.ConversationInstructions);
        Assert.True(plan.Extras.McpConfig!.Value.TryGetProperty("sse_servers", out _));
        Assert.Equal(("acme/rockets", "dev", "gitlab", "gui"),
            (plan.Request.SelectedRepository, plan.Request.SelectedBranch, plan.Request.GitProvider, plan.Request.Trigger));
        var content = plan.Request.InitialMessage!.Content;
        Assert.Equal("Look", Assert.IsType<TextContent>(content[0]).Text);
        Assert.Equal(["data:image/png;base64,AAAA"], Assert.IsType<ImageContent>(content[1]).ImageUrls);
        Assert.True(plan.Request.InitialMessage.Run);
    }

    [Fact]
    public void SuggestedTask_WritesTheFirstMessage_CreateMicroagent_FillsTheRepository_ReplayJsonIsKept()
    {
        var task = Plan("""{"suggested_task":{"git_provider":"github","task_type":"FAILING_CHECKS","repo":"acme/boats","issue_number":7,"title":"Fix CI"}}""");
        Assert.Equal("suggested_task", task.Request.Trigger);
        var text = Assert.IsType<TextContent>(task.Request.InitialMessage!.Content[0]).Text;
        Assert.Contains("#7", text);
        Assert.Contains("acme/boats", text);

        var microagent = Plan("""{"create_microagent":{"repo":"acme/docs","git_provider":"github","title":"Docs helper"}}""");
        Assert.Equal("microagent_management", microagent.Request.Trigger);
        Assert.Equal(("acme/docs", "github"), (microagent.Request.SelectedRepository, microagent.Request.GitProvider));
        Assert.Equal("Docs helper", microagent.Title);
        Assert.Null(microagent.Request.InitialMessage);

        var replay = Plan("""{"replay_json":"[{\"action\":\"message\",\"source\":\"user\",\"args\":{\"content\":\"hi\"}}]"}""");
        Assert.StartsWith("[{", replay.Extras.ReplayJson);
    }

    [Fact]
    public void PageIds_AreBase64OfPythonsJsonDumps()
    {
        var page = V0ConversationList.EncodePage(V0ConversationList.EncodeV0(20), null);
        Assert.Equal("""{"v0": "MjA=", "v1": null}""", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(page)));
        Assert.Equal((20, null), V0ConversationList.DecodePage(page));
        Assert.Equal((0, 0), V0ConversationList.DecodePage(null));
        Assert.Equal((20, 0), V0ConversationList.DecodePage("MjA=")); // a raw V0 page id
        Assert.Equal((0, 0), V0ConversationList.DecodePage("%%%"));
    }
}
