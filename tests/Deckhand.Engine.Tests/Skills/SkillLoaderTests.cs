using System.Text.Json;
using Deckhand.Engine.Skills;
using Deckhand.Engine.Tests.Support;

namespace Deckhand.Engine.Tests.Skills;

public sealed class SkillLoaderTests : IDisposable
{
    private readonly TempWorkspace _ws = new(git: true);

    public void Dispose() => _ws.Dispose();

    private string UserDir => Path.Combine(_ws.DataDir, "skills");

    private SkillSet Load(string? agentContext = null) =>
        SkillLoader.Load(_ws.Root, UserDir, AgentContextSettings.From(agentContext is null ? null : JsonDocument.Parse(agentContext).RootElement));

    [Fact]
    public void RepositoryFiles_SkillFolders_AndUserSkills_LoadInTheDocumentedOrder()
    {
        _ws.Write("AGENTS.md", "agents rules");
        _ws.Write("CLAUDE.md", "claude rules");
        _ws.Write(".cursorrules", "cursor rules");
        _ws.Write(".agents/skills/zeta.md", "---\ntriggers: [zeta]\n---\nzeta body");
        _ws.Write(".agents/skills/pdf/SKILL.md", "---\nname: pdf-tools\ndescription: Work with PDFs\n---\nRead PDFs.");
        _ws.Write(".agents/skills/pdf/reference.md", "not a skill of its own");
        _ws.Write(".openhands/skills/nested/alpha.md", "always on alpha");
        _ws.Write(".openhands/skills/README.md", "ignored");
        _ws.Write(".openhands/microagents/legacy.md", "---\ntriggers:\n- legacy\n---\nold style");
        Directory.CreateDirectory(UserDir);
        File.WriteAllText(Path.Combine(UserDir, "mine.md"), "---\ntriggers: [mine]\n---\nuser skill");

        var set = Load();

        Assert.Equal(["agents", "claude", "cursorrules", "zeta", "pdf-tools", "nested/alpha", "legacy", "mine"], set.Usable.Select(s => s.Name));
        Assert.Equal(["agents", "claude", "cursorrules", "nested/alpha"], set.RepoContext.Select(s => s.Name));
        Assert.Equal(["pdf-tools"], set.Listed.Select(s => s.Name));
        Assert.Equal("Work with PDFs", set.Listed.Single().Description);
        Assert.Equal(SkillOrigin.User, set.Usable.Single(s => s.Name == "mine").Origin);
    }

    [Fact]
    public void FirstSkillOfANameWins_RequestBeforeProjectBeforeUser_AndDuplicatesAreReportedAsShadowed()
    {
        _ws.Write(".openhands/skills/style.md", "project style");
        Directory.CreateDirectory(UserDir);
        File.WriteAllText(Path.Combine(UserDir, "style.md"), "user style");

        var set = Load("""{"skills":[{"name":"style","content":"request style","trigger":null}]}""");

        Assert.Equal("request style", set.Usable.Single(s => s.Name == "style").Content);
        var statuses = set.Describe([], new Dictionary<string, (string, string)>());
        Assert.Equal(3, statuses.Count(s => s.Name == "style"));
        Assert.Equal(2, statuses.Count(s => s.Name == "style" && s.ActiveReason.StartsWith("shadowed", StringComparison.Ordinal)));
    }

    [Fact]
    public void AgentsVariants_PreferUppercase_ThenAgentMd()
    {
        _ws.Write("agent.md", "singular");
        Assert.Equal("singular", Load().Usable.Single(s => s.Name == "agents").Content);
        _ws.Write("agents.md", "lower");
        Assert.Equal("lower", Load().Usable.Single(s => s.Name == "agents").Content);
        _ws.Write("AGENTS.md", "upper");
        Assert.Equal("upper", Load().Usable.Single(s => s.Name == "agents").Content);
    }

    [Fact]
    public void GitRoot_IsSearchedAfterTheWorkingDirectory()
    {
        _ws.Write("AGENTS.md", "root rules");
        _ws.Write("app/AGENTS.md", "app rules");
        _ws.Write(".openhands/skills/root-only.md", "from the root");
        var set = SkillLoader.Load(_ws.Path("app"), null, AgentContextSettings.Default);
        Assert.Equal("app rules", set.Usable.Single(s => s.Name == "agents").Content);
        Assert.Contains(set.Usable, s => s.Name == "root-only");
        Assert.Equal(2, set.Found.Count(s => s.Name == "agents"));
    }

    [Fact]
    public void MalformedFiles_AreKeptWithAnError_AndNeverUsed()
    {
        _ws.Write(".openhands/skills/broken.md", "---\ntriggers: [a\n---\nbody");
        _ws.Write(".openhands/skills/bad-triggers.md", "---\ntriggers:\n  key: value\n---\nbody");
        _ws.Write(".openhands/skills/fine.md", "---\ntriggers: [ok]\n---\nbody");

        var set = Load("""{"skills":[{"content":"no name"}, 7]}""");

        Assert.Equal(["fine"], set.Usable.Select(s => s.Name));
        var broken = set.Broken.ToList();
        Assert.Equal(4, broken.Count);
        Assert.Contains(broken, b => b.Name == "broken" && b.Error!.Contains("']'", StringComparison.Ordinal));
        Assert.Contains(broken, b => b.Name == "bad-triggers" && b.Error!.Contains("'triggers' must be a list", StringComparison.Ordinal));
        Assert.All(set.Describe([], new Dictionary<string, (string, string)>()).Where(s => s.Error is not null), s => Assert.False(s.Active));
    }

    [Fact]
    public void AgentContext_CanTurnOffProjectAndUserSkills_AndDisableByName()
    {
        _ws.Write("AGENTS.md", "rules");
        _ws.Write(".openhands/skills/deploy.md", "---\ntriggers: [deploy]\n---\nhow to deploy");
        Directory.CreateDirectory(UserDir);
        File.WriteAllText(Path.Combine(UserDir, "mine.md"), "user");

        Assert.Equal(["deploy", "mine"], Load("""{"disabled_skills":["agents"]}""").Usable.Select(s => s.Name));
        Assert.Equal(["mine"], Load("""{"load_project_skills":false}""").Usable.Select(s => s.Name));
        Assert.Equal(["agents", "deploy"], Load("""{"load_user_skills":false}""").Usable.Select(s => s.Name));
    }

    [Fact]
    public void TaskSkills_AreTriggeredBySlashName_AndAskForTheirInputs()
    {
        _ws.Write(".openhands/skills/release.md", "---\ninputs:\n  - name: VERSION\n    description: the version to ship\n---\nShip ${VERSION}.");
        var skill = Load().Usable.Single();
        Assert.True(skill.IsTask);
        Assert.Contains("/release", skill.Keywords);
        Assert.Contains("- VERSION: the version to ship", skill.Content);
        Assert.Single(Load().Match("please /release it", []));
    }

    [Fact]
    public void LongRepositoryFiles_AreCut_KeepingBeginningAndEnd()
    {
        _ws.Write("AGENTS.md", "BEGIN" + new string('x', 30_000) + "END");
        var content = Load().Usable.Single().Content;
        Assert.True(content.Length <= SkillLoader.ThirdPartyMaxChars);
        Assert.StartsWith("BEGIN", content);
        Assert.EndsWith("END", content);
        Assert.Contains("longer than 10,000 characters", content);
    }

    [Fact]
    public void Match_FiresEachSkillOnce_AndSkipsActivatedOnes()
    {
        _ws.Write(".openhands/skills/deploy.md", "---\ntriggers: [deploy, ship]\n---\nhow");
        var set = Load();
        Assert.Equal("deploy", Assert.Single(set.Match("deploy and ship", [])).Keyword);
        Assert.Empty(set.Match("deploy again", ["deploy"]));
        Assert.Empty(set.Match("redeployment", []));
    }
}
