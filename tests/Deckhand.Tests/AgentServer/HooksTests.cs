using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary><c>POST /api/hooks</c>: a project's <c>.openhands/hooks.json</c>, normalized to OpenHands' HookConfig.</summary>
public sealed class HooksTests : IDisposable
{
    private readonly string _project = TempDir.Create("deckhand-hooks");

    public void Dispose() => TempDir.Delete(_project);

    private void WriteHooks(string json)
    {
        Directory.CreateDirectory(Path.Combine(_project, ".openhands"));
        File.WriteAllText(Path.Combine(_project, ".openhands", "hooks.json"), json);
    }

    [Fact]
    public async Task PostApiHooks_NormalizesTheFile_AndRefusesBadInput()
    {
        await using var server = await TestAgentServer.StartAsync();
        async Task<(HttpStatusCode Status, string Body)> PostAsync(object body)
        {
            using var response = await server.Http.PostAsJsonAsync("api/hooks", body);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal((HttpStatusCode.OK, """{"hook_config":null}"""), await PostAsync(new { project_dir = _project }));

        WriteHooks("""{"session_start":[{"matcher":"*","hooks":[{"type":"command","command":"./warm.sh","timeout":10,"async":true}]}],"PostToolUse":[]}""");
        var (status, body) = await PostAsync(new { project_dir = _project });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"hook_config":{"session_start":[{"matcher":"*","hooks":[{"type":"command","command":"./warm.sh","timeout":10,"async":true}]}]}}""", body);

        WriteHooks("""{"BeforeLunch":[]}""");
        (status, body) = await PostAsync(new { project_dir = _project });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("BeforeLunch", JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString());
        WriteHooks("{not json");
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(new { project_dir = _project })).Status);
        WriteHooks("""{"stop":[{"hooks":[{"type":"command"}]}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(new { project_dir = _project })).Status);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync(new { project_dir = "relative/dir" })).Status);
        Assert.Equal((HttpStatusCode.OK, """{"hook_config":null}"""), await PostAsync(new { project_dir = (string?)null }));
    }
}
