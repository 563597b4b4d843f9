using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>AGENTS.md and keyword skills of a real repository, as the model receives them.</summary>
public sealed class SkillsTests : IDisposable
{
    private const string AgentsMarker = "AGENTS-MARKER-7f3";
    private const string DeployMarker = "DEPLOY-MARKER-91c";

    private readonly string _repo = TempDir.Create("deckhand-skills-repo");

    public SkillsTests()
    {
        Workspaces.Git(_repo, "init", "-q");
        Write("AGENTS.md", $"Run `make lint` before every commit. {AgentsMarker}\n");
        Write(".openhands/microagents/deploy.md", $"---\ntriggers:\n- deploy\n---\nDeploy only with ./ship.sh. {DeployMarker}\n");
        Write(".agents/skills/db-tools/SKILL.md", "---\nname: db-tools\ndescription: Inspect the project database\n---\nUse sqlite3 on data.db.\n");
        Write(".openhands/skills/broken.md", "---\ntriggers: [oops\n---\nnever loaded\n");
    }

    public void Dispose() => TempDir.Delete(_repo);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_repo, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    [Fact]
    public async Task AgentsMd_IsInTheSystemPromptFromTheFirstCall_AndAKeywordSkillArrivesOnlyWithItsKeyword_Once()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Text("hello"), ScriptedReply.Text("noted"), ScriptedReply.Text("again"));
        await using var server = await TestAgentServer.StartAsync();
        var request = Requests.Start(llm.BaseUrl, "hello there") with { Workspace = new Workspace { WorkingDir = _repo } };
        var (created, _) = await server.Client.CreateConversationAsync(request);
        var id = created.Id;
        await Wait.ForStatusAsync(server.Client, id, ExecutionStatus.Finished);
        await server.Client.SendMessageAsync(id, "How do I deploy this?", run: true);
        await Wait.UntilAsync(async () => llm.Requests.Count == 2 && (await server.Client.GetConversationAsync(id))!.ExecutionStatus == ExecutionStatus.Finished, "second turn");
        await server.Client.SendMessageAsync(id, "Deploy it again, please.", run: true);
        await Wait.UntilAsync(async () => llm.Requests.Count == 3 && (await server.Client.GetConversationAsync(id))!.ExecutionStatus == ExecutionStatus.Finished, "third turn");

        var requests = llm.Requests;
        Assert.Equal(3, requests.Count);
        // AGENTS.md: in the system message of every call, once; the AgentSkills folder is listed there too.
        foreach (var r in requests)
        {
            Assert.Equal("system", r.MessageRole(0));
            Assert.Equal(1, Count(r.MessageText(0)!, AgentsMarker));
            Assert.Contains("<name>db-tools</name>", r.MessageText(0));
            Assert.Contains("Inspect the project database", r.MessageText(0));
        }
        // The keyword skill: absent before the keyword, attached to the message that says it, never repeated.
        Assert.DoesNotContain(DeployMarker, requests[0].Body);
        Assert.Contains(DeployMarker, requests[1].MessageText(^1));
        Assert.StartsWith("How do I deploy this?", requests[1].MessageText(^1));
        Assert.Equal(1, Count(requests[1].Body, DeployMarker));
        Assert.Equal(1, Count(requests[2].Body, DeployMarker));
        Assert.DoesNotContain(DeployMarker, requests[2].MessageText(^1));
        Assert.DoesNotContain("never loaded", string.Concat(requests.Select(r => r.Body)));

        var info = (await server.Client.GetConversationAsync(id))!;
        Assert.Equal(["deploy"], info.ActivatedKnowledgeSkills);
        var userMessages = (await server.Client.AllEventsAsync(id)).OfType<MessageEvent>().Where(m => m.Source == EventSource.User).ToList();
        Assert.Equal(3, userMessages.Count);
        Assert.Equal(["", "deploy", ""], userMessages.Select(m => string.Join(",", m.ActivatedSkills)));
        Assert.Contains(DeployMarker, Assert.Single(userMessages[1].ExtendedContent).Text);
        Assert.Empty(userMessages[2].ExtendedContent);

        // The skills route says what is in use and why, including the file that could not be read.
        var skills = (await server.Client.GetSkillsAsync(id)).Skills;
        var agents = skills.Single(s => s.Name == "agents");
        Assert.True(agents.Active);
        Assert.Contains("REPO_CONTEXT", agents.ActiveReason);
        Assert.Equal(Path.Combine(_repo, "AGENTS.md"), agents.Source);
        var deploy = skills.Single(s => s.Name == "deploy");
        Assert.True(deploy.Active);
        Assert.Equal(["deploy"], deploy.Trigger!.Keywords);
        Assert.Contains($"\"deploy\" in user message {userMessages[1].Id}", deploy.ActiveReason);
        Assert.True(skills.Single(s => s.Name == "db-tools").IsAgentskillsFormat);
        var broken = skills.Single(s => s.Name == "broken");
        Assert.False(broken.Active);
        Assert.Contains("']'", broken.Error);
    }

    [Fact]
    public async Task AgentContext_LoadProjectSkillsFalse_KeepsAgentsMdOut_AndRequestSkillsStillWork()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Text("ok"));
        await using var server = await TestAgentServer.StartAsync();
        var request = Requests.Start(llm.BaseUrl, "please check the TPS report") with { Workspace = new Workspace { WorkingDir = _repo } };
        using var context = JsonDocument.Parse("""
            {"load_project_skills": false,
             "skills": [{"name": "tps", "content": "TPS-MARKER: use the new cover sheet.", "trigger": {"type": "keyword", "keywords": ["TPS"]}}],
             "system_message_suffix": "SUFFIX-MARKER-22"}
            """);
        request = request with { Agent = request.Agent! with { AgentContext = context.RootElement.Clone() } };
        var (created, _) = await server.Client.CreateConversationAsync(request);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);

        // Responses trim agent_context.skills unless include_skills=true; the conversation keeps them.
        using (var trimmed = JsonDocument.Parse(await server.Http.GetStringAsync($"api/conversations/{created.Id}")))
            Assert.Equal(0, trimmed.RootElement.GetProperty("agent").GetProperty("agent_context").GetProperty("skills").GetArrayLength());
        using (var full = JsonDocument.Parse(await server.Http.GetStringAsync($"api/conversations/{created.Id}?include_skills=true")))
            Assert.Equal("tps", full.RootElement.GetProperty("agent").GetProperty("agent_context").GetProperty("skills")[0].GetProperty("name").GetString());

        var sent = Assert.Single(llm.Requests);
        Assert.DoesNotContain(AgentsMarker, sent.Body);
        Assert.Contains("SUFFIX-MARKER-22", sent.MessageText(0));
        Assert.Contains("TPS-MARKER", sent.MessageText(^1));
        Assert.Equal(["tps"], (await server.Client.GetConversationAsync(created.Id))!.ActivatedKnowledgeSkills);
    }

    [Fact]
    public async Task PostApiSkills_ListsAFoldersSkills_InOpenHandsShape()
    {
        await using var server = await TestAgentServer.StartAsync();
        using var response = await server.Http.PostAsJsonAsync("api/skills", new { project_dir = _repo, load_public = true });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var skills = body.RootElement.GetProperty("skills").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s);
        Assert.Equal(["agents", "db-tools", "deploy"], skills.Keys.Order());
        Assert.Equal("repo", skills["agents"].GetProperty("type").GetString());
        Assert.Equal("knowledge", skills["deploy"].GetProperty("type").GetString());
        Assert.Equal("deploy", skills["deploy"].GetProperty("triggers")[0].GetString());
        Assert.True(skills["db-tools"].GetProperty("is_agentskills_format").GetBoolean());
        Assert.Equal(3, body.RootElement.GetProperty("sources").GetProperty("project").GetInt32());

        using var relative = await server.Http.PostAsJsonAsync("api/skills", new { project_dir = "relative/dir" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, relative.StatusCode);
    }
}
