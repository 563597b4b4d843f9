using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer.Tree;

/// <summary><c>parent_conversation_id</c> at creation, <c>sub_conversation_ids</c> on the parent, and tags.</summary>
public sealed class SubConversationTests
{
    private static readonly Uri NoLlm = new("http://127.0.0.1:9/");

    private static async Task<(HttpStatusCode Status, JsonElement Body)> CreateAsync(TestAgentServer server, StartConversationRequest request)
    {
        using var response = await server.Http.PostAsync("api/conversations", JsonContent.Create(request, DeckhandJson.Storage.StartConversationRequest));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static List<Guid> SubIds(ConversationInfo info) => [.. info.SubConversationIds];

    [Fact]
    public async Task Child_RecordsItsParent_AndTheParentListsItsChildren_AfterARestartToo()
    {
        var dataDir = TempDir.Create("deckhand-subs");
        try
        {
            Guid parent, first, second;
            await using (var server = await TestAgentServer.StartAsync(dataDir))
            {
                (var p, _) = await server.Client.CreateConversationAsync(Requests.Start(NoLlm));
                parent = p.Id;
                Assert.Empty(p.SubConversationIds);
                var (status, body) = await CreateAsync(server, Requests.Start(NoLlm) with { ParentConversationId = parent });
                Assert.Equal(HttpStatusCode.Created, status);
                Assert.Equal(parent.ToString(), body.GetProperty("parent_conversation_id").GetString());
                first = body.GetProperty("id").GetGuid();
                // The same working directory written differently is still the same workspace.
                var sameDir = Path.GetTempPath().TrimEnd('/') + "/./";
                (var c2, _) = await server.Client.CreateConversationAsync(Requests.Start(NoLlm) with
                {
                    ParentConversationId = parent,
                    Workspace = new Workspace { WorkingDir = sameDir },
                });
                second = c2.Id;

                Assert.Equal([first, second], SubIds((await server.Client.GetConversationAsync(parent))!));
                var listed = (await server.Client.SearchConversationsAsync()).Items.Single(i => i.Id == parent);
                Assert.Equal([first, second], SubIds(listed));
                Assert.Empty((await server.Client.GetConversationAsync(first))!.SubConversationIds);
            }
            await using (var server = await TestAgentServer.StartAsync(dataDir))
            {
                Assert.Equal([first, second], SubIds((await server.Client.GetConversationAsync(parent))!));
                Assert.Equal(parent, (await server.Client.GetConversationAsync(second))!.ParentConversationId);

                // A deleted child leaves the list; a deleted parent leaves its children orphaned, not deleted.
                await server.Client.DeleteConversationAsync(first);
                Assert.Equal([second], SubIds((await server.Client.GetConversationAsync(parent))!));
                await server.Client.DeleteConversationAsync(parent);
                var orphan = await server.Client.GetConversationAsync(second);
                Assert.Equal(parent, orphan!.ParentConversationId);
            }
        }
        finally
        {
            TempDir.Delete(dataDir);
        }
    }

    [Fact]
    public async Task InvalidParent_Is422_AndCreatesNothing()
    {
        await using var server = await TestAgentServer.StartAsync();
        var (parent, _) = await server.Client.CreateConversationAsync(Requests.Start(NoLlm));
        var self = Guid.NewGuid();
        var otherDir = TempDir.Create("deckhand-other-ws");
        try
        {
            var cases = new[]
            {
                (Requests.Start(NoLlm, id: self) with { ParentConversationId = self }, "own parent"),
                (Requests.Start(NoLlm) with { ParentConversationId = Guid.NewGuid() }, "does not exist"),
                (Requests.Start(NoLlm) with { ParentConversationId = parent.Id, Workspace = new Workspace { WorkingDir = otherDir } }, "workspace"),
            };
            foreach (var (request, reason) in cases)
            {
                var (status, body) = await CreateAsync(server, request);
                Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
                var problem = body.GetProperty("detail")[0];
                Assert.Equal("parent_conversation_id", problem.GetProperty("loc")[1].GetString());
                Assert.Contains(reason, problem.GetProperty("msg").GetString());
            }
            Assert.Single((await server.Client.SearchConversationsAsync()).Items);
            Assert.Empty((await server.Client.GetConversationAsync(parent.Id))!.SubConversationIds);

            // An existing id is answered 200 before the parent is even looked at (OpenHands' order).
            var (existing, created) = await server.Client.CreateConversationAsync(Requests.Start(NoLlm, id: parent.Id) with { ParentConversationId = parent.Id });
            Assert.False(created);
            Assert.Null(existing.ParentConversationId);
        }
        finally
        {
            TempDir.Delete(otherDir);
        }
    }

    [Fact]
    public async Task Tags_SetAtStart_ReplacedByPatch_AndValidated()
    {
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(NoLlm) with
        {
            Tags = new Dictionary<string, string> { ["team"] = "core", ["ticket42"] = "open" },
        });
        Assert.Equal("core", created.Tags["team"]);

        using var patch = await server.Http.PatchAsJsonAsync($"api/conversations/{created.Id}", new { tags = new Dictionary<string, string> { ["env"] = "staging" } });
        patch.EnsureSuccessStatusCode();
        var tags = (await server.Client.GetConversationAsync(created.Id))!.Tags;
        Assert.Equal(["env"], tags.Keys);

        foreach (var bad in new object[]
        {
            new { tags = new Dictionary<string, string> { ["Env"] = "x" } },
            new { tags = new Dictionary<string, string> { ["my-key"] = "x" } },
            new { tags = new Dictionary<string, string> { ["env"] = new string('v', 257) } },
        })
        {
            using var response = await server.Http.PatchAsJsonAsync($"api/conversations/{created.Id}", bad);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        }
        using var longest = await server.Http.PatchAsJsonAsync($"api/conversations/{created.Id}", new { tags = new Dictionary<string, string> { ["env"] = new string('v', 256) } });
        longest.EnsureSuccessStatusCode();
        var (status, _) = await CreateAsync(server, Requests.Start(NoLlm) with { Tags = new Dictionary<string, string> { ["UPPER"] = "x" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
    }
}
