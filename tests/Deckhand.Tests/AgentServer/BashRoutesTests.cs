using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary><c>/api/bash</c> against a real shell.</summary>
public sealed partial class BashRoutesTests
{
    [Fact]
    public async Task Execute_ReturnsStdoutStderrAndExitCode_InTheGivenCwd()
    {
        await using var server = await TestAgentServer.StartAsync();
        var cwd = TempDir.Create("deckhand-bash");
        try
        {
            var output = await ExecuteAsync(server, "echo hi; echo err >&2; pwd >&2; exit 3", cwd, 60);
            Assert.Equal("BashOutput", output.GetProperty("kind").GetString());
            Assert.Equal(3, output.GetProperty("exit_code").GetInt32());
            Assert.Equal("hi\n", output.GetProperty("stdout").GetString());
            Assert.Equal($"err\n{cwd}\n", output.GetProperty("stderr").GetString());
            Assert.Equal(0, output.GetProperty("order").GetInt32());
            Assert.Matches(HexId(), output.GetProperty("id").GetString()!);
            Assert.Matches(HexId(), output.GetProperty("command_id").GetString()!);
            Assert.EndsWith("Z", output.GetProperty("timestamp").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            TempDir.Delete(cwd);
        }
    }

    [Fact]
    public async Task Execute_PastTimeout_KillsTheProcessGroup_WithExitCodeMinusOne()
    {
        await using var server = await TestAgentServer.StartAsync();
        var dir = TempDir.Create("deckhand-bash");
        try
        {
            var pidFile = Path.Combine(dir, "bg.pid");
            var clock = Stopwatch.StartNew();
            var output = await ExecuteAsync(server, $"echo started; sleep 60 & echo $! > {pidFile}; sleep 60", dir, 1);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
            Assert.Equal(-1, output.GetProperty("exit_code").GetInt32());
            Assert.Equal("started\n", output.GetProperty("stdout").GetString());
            // The background job was in the group and went with it.
            var pid = File.ReadAllText(pidFile).Trim();
            await Wait.UntilAsync(() => Task.FromResult(!IsAlive(pid)), "the background sleep to die", TimeSpan.FromSeconds(5));
        }
        finally
        {
            TempDir.Delete(dir);
        }
    }

    [Fact]
    public async Task Start_ReturnsTheCommandAtOnce_AndItsOutputArrivesInTheLog()
    {
        await using var server = await TestAgentServer.StartAsync();
        var response = await server.Http.PostAsync("api/bash/start_bash_command", Json("""{"command":"echo later"}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var command = doc.RootElement;
        Assert.Equal("BashCommand", command.GetProperty("kind").GetString());
        Assert.Equal("echo later", command.GetProperty("command").GetString());
        Assert.Equal(300, command.GetProperty("timeout").GetInt32());
        Assert.Equal(JsonValueKind.Null, command.GetProperty("cwd").ValueKind);
        var id = command.GetProperty("id").GetString()!;
        Assert.Matches(HexId(), id);

        JsonElement? final = null;
        await Wait.UntilAsync(async () =>
        {
            var page = await SearchAsync(server, $"kind__eq=BashOutput&command_id__eq={id}");
            final = page.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("exit_code").ValueKind == JsonValueKind.Number)
                .Select(e => (JsonElement?)e).FirstOrDefault();
            return final is not null;
        }, "the command's final output");
        Assert.Equal("later\n", final!.Value.GetProperty("stdout").GetString());

        var got = await server.Http.GetStringAsync($"api/bash/bash_events/{id}");
        Assert.Contains("\"kind\":\"BashCommand\"", got, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync($"api/bash/bash_events/{Guid.NewGuid():N}")).StatusCode);
    }

    [Fact]
    public async Task Search_FiltersSortsAndPages_AndDeleteClears()
    {
        await using var server = await TestAgentServer.StartAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add((await ExecuteAsync(server, $"echo {i}", null, 30)).GetProperty("command_id").GetString()!);

        var commands = await SearchAsync(server, "kind__eq=BashCommand");
        Assert.Equal(ids, commands.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
        var descending = await SearchAsync(server, "kind__eq=BashCommand&sort_order=TIMESTAMP_DESC");
        Assert.Equal(ids.AsEnumerable().Reverse(), descending.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));

        var byCommand = await SearchAsync(server, $"kind__eq=BashOutput&command_id__eq={Guid.ParseExact(ids[1], "N")}");
        var only = Assert.Single(byCommand.GetProperty("items").EnumerateArray());
        Assert.Equal("1\n", only.GetProperty("stdout").GetString());

        // Six events, pages of four then two.
        var first = await SearchAsync(server, "limit=4");
        Assert.Equal(4, first.GetProperty("items").GetArrayLength());
        var next = first.GetProperty("next_page_id").GetString()!;
        var second = await SearchAsync(server, $"limit=4&page_id={next}");
        Assert.Equal(2, second.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_page_id").ValueKind);
        var all = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(e => e.GetProperty("id").GetString()).ToList();
        Assert.Equal(6, all.Distinct().Count());

        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"));
        Assert.Equal(0, (await SearchAsync(server, $"timestamp__gte={future}")).GetProperty("items").GetArrayLength());
        Assert.Equal(6, (await SearchAsync(server, $"timestamp__lt={future}")).GetProperty("items").GetArrayLength());
        Assert.Equal(3, (await SearchAsync(server, "order__gt=-1&kind__eq=BashOutput")).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await SearchAsync(server, "order__gt=0&kind__eq=BashOutput")).GetProperty("items").GetArrayLength());

        foreach (var bad in new[] { "limit=0", "limit=101", "kind__eq=BashError", "sort_order=NEWEST", "command_id__eq=nope", "timestamp__gte=yesterday" })
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await server.Http.GetAsync($"api/bash/bash_events/search?{bad}")).StatusCode);

        var cleared = await server.Http.DeleteAsync("api/bash/bash_events");
        Assert.Equal("""{"cleared_count":6}""", await cleared.Content.ReadAsStringAsync());
        Assert.Equal(0, (await SearchAsync(server, "")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task LargeOutput_IsChunkedAtOneMebibyte_WithIncreasingOrder()
    {
        await using var server = await TestAgentServer.StartAsync();
        var last = await ExecuteAsync(server, "head -c 2200000 /dev/zero | tr '\\0' a", null, 60);
        Assert.Equal(2, last.GetProperty("order").GetInt32());
        Assert.Equal(0, last.GetProperty("exit_code").GetInt32());
        Assert.Equal(2200000 - 2 * 1048576, last.GetProperty("stdout").GetString()!.Length);
        var page = await SearchAsync(server, $"kind__eq=BashOutput&command_id__eq={last.GetProperty("command_id").GetString()}");
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], items.Select(e => e.GetProperty("order").GetInt32()));
        Assert.All(items.Take(2), e =>
        {
            Assert.Equal(1048576, e.GetProperty("stdout").GetString()!.Length);
            Assert.Equal(JsonValueKind.Null, e.GetProperty("exit_code").ValueKind);
        });
    }

    [Theory]
    [InlineData("""{"command":"true","cwd":"/no/such/dir"}""", 400)]
    [InlineData("""{"command":"true","cwd":"relative/dir"}""", 400)]
    [InlineData("""{"command":"true","timeout":0}""", 422)]
    [InlineData("""{"cwd":"/tmp"}""", 422)]
    [InlineData("""{"command":42}""", 422)]
    public async Task BadRequests_Get4xx_AndRunNothing(string body, int status)
    {
        await using var server = await TestAgentServer.StartAsync();
        var response = await server.Http.PostAsync("api/bash/execute_bash_command", Json(body));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains("detail", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (await SearchAsync(server, "")).GetProperty("items").GetArrayLength());
    }

    private static async Task<JsonElement> ExecuteAsync(TestAgentServer server, string command, string? cwd, int timeout)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object?> { ["command"] = command, ["cwd"] = cwd, ["timeout"] = timeout });
        var response = await server.Http.PostAsync("api/bash/execute_bash_command", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> SearchAsync(TestAgentServer server, string query)
    {
        var response = await server.Http.GetAsync($"api/bash/bash_events/search?{query}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static bool IsAlive(string pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex HexId();
}
