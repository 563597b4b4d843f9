using System.Text.Json;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Tests.Support;
using Deckhand.Engine.Tools.TaskTracker;

namespace Deckhand.Engine.Tests.Tools.TaskTracker;

public sealed class TaskTrackerToolTests : IDisposable
{
    private readonly TempWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private const string Plan = """
        {"command":"plan","task_list":[
          {"title":"Read the code","notes":"start in src/","status":"done"},
          {"title":"Write the fix","status":"in_progress"},
          {"title":"Run the tests"}]}
        """;

    [Fact]
    public async Task View_BeforeAnyPlan_SaysHowToCreateOne()
    {
        var tool = new TaskTrackerTool(_workspace.Context);

        var result = await tool.CallAsync<TaskTrackerObservation>(_workspace.Context, """{"command":"view"}""");

        Assert.False(result.IsError);
        Assert.Empty(result.TaskList);
        Assert.Contains("no task list yet", result.Text(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("plan", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_ThenView_RoundTripsTheListWithStatusMarks()
    {
        var tool = new TaskTrackerTool(_workspace.Context);

        var planned = await tool.CallAsync<TaskTrackerObservation>(_workspace.Context, Plan);
        var viewed = await tool.CallAsync<TaskTrackerObservation>(_workspace.Context, """{"command":"view"}""");

        Assert.Equal("plan", planned.Command);
        Assert.Contains("3 task(s), 1 done", planned.Text(), StringComparison.Ordinal);
        Assert.Equal("view", viewed.Command);
        Assert.Equal(["Read the code", "Write the fix", "Run the tests"], viewed.TaskList.Select(t => t.Title));
        Assert.Equal(["done", "in_progress", "todo"], viewed.TaskList.Select(t => t.Status));
        Assert.Equal("start in src/", viewed.TaskList[0].Notes);
        var text = viewed.Text();
        Assert.Contains("1. [x] Read the code", text, StringComparison.Ordinal);
        Assert.Contains("     start in src/", text, StringComparison.Ordinal);
        Assert.Contains("2. [>] Write the fix (in progress)", text, StringComparison.Ordinal);
        Assert.Contains("3. [ ] Run the tests", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_SavesTasksJson_ThatANewInstanceReads()
    {
        await new TaskTrackerTool(_workspace.Context).CallAsync<TaskTrackerObservation>(_workspace.Context, Plan);

        var file = Path.Combine(_workspace.DataDir, "TASKS.json");
        using (var doc = JsonDocument.Parse(File.ReadAllText(file)))
        {
            Assert.Equal(JsonValueKind.Array, doc.RootElement.ValueKind);
            var first = doc.RootElement[0];
            Assert.Equal("Read the code", first.GetProperty("title").GetString());
            Assert.Equal("start in src/", first.GetProperty("notes").GetString());
            Assert.Equal("done", first.GetProperty("status").GetString());
        }
        Assert.Single(Directory.GetFiles(_workspace.DataDir)); // no temp file left behind

        var afterRestart = new TaskTrackerTool(_workspace.Context);
        var viewed = await afterRestart.CallAsync<TaskTrackerObservation>(_workspace.Context, """{"command":"view"}""");
        Assert.Equal(3, viewed.TaskList.Count);
    }

    [Fact]
    public async Task Plan_ReplacesTheWholeList()
    {
        var tool = new TaskTrackerTool(_workspace.Context);
        await tool.CallAsync<TaskTrackerObservation>(_workspace.Context, Plan);

        await tool.CallAsync<TaskTrackerObservation>(_workspace.Context, """{"command":"plan","task_list":[{"title":"Only this","status":"done"}]}""");
        var viewed = await tool.CallAsync<TaskTrackerObservation>(_workspace.Context, """{"command":"view"}""");

        var only = Assert.Single(viewed.TaskList);
        Assert.Equal("Only this", only.Title);
        Assert.Contains("1/1 done", viewed.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_WithCorruptFile_IsAnErrorThatSuggestsPlan()
    {
        Directory.CreateDirectory(_workspace.DataDir);
        File.WriteAllText(Path.Combine(_workspace.DataDir, "TASKS.json"), "{not json");

        var result = await new TaskTrackerTool(_workspace.Context).CallAsync<TaskTrackerObservation>(_workspace.Context, """{"command":"view"}""");

        Assert.True(result.IsError);
        Assert.Contains("plan", result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"command":"plan","task_list":[{"title":"A","status":"blocked"}]}""", "todo, in_progress, done")]
    [InlineData("""{"command":"plan","task_list":[{"title":"A"},{"notes":"x"}]}""", "Task 2 has no title")]
    [InlineData("""{"command":"plan","task_list":[{"title":"  "}]}""", "Task 1 has no title")]
    [InlineData("""{"command":"plan"}""", "needs task_list")]
    [InlineData("""{"command":"plan","task_list":"do things"}""", "must be an array")]
    [InlineData("""{"command":"delete"}""", "Use `view` or `plan`")]
    [InlineData("""[1]""", "JSON object")]
    public void Parse_BadArguments_ExplainWhatIsWrong(string json, string expected)
    {
        var error = new TaskTrackerTool(_workspace.Context).ParseFails(json);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PlanWithoutStatusOrNotes_DefaultsToTodo()
    {
        using var doc = JsonDocument.Parse("""{"command":"plan","task_list":[{"title":"A","status":null,"notes":null}]}""");

        var action = (TaskTrackerAction)new TaskTrackerTool(_workspace.Context).Parse(doc.RootElement);

        var task = Assert.Single(action.TaskList);
        Assert.Equal("todo", task.Status);
        Assert.Equal("", task.Notes);
    }
}
