using Deckhand.Engine.Isolation;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>/server_info says which shell isolation the server actually runs with.</summary>
public sealed class IsolationInfoTests
{
    [Theory]
    [InlineData(IsolationMode.None, "none")]
    [InlineData(IsolationMode.Bubblewrap, "bubblewrap")] // needs bubblewrap installed (test.sh installs it)
    public async Task ServerInfo_ReportsTheActiveIsolation(IsolationMode mode, string expected)
    {
        await using var server = await TestAgentServer.StartAsync(isolation: new IsolationOptions { Mode = mode });

        var info = await EventSearchTests.GetJsonAsync(server.Http, "server_info");

        Assert.Equal(expected, info.GetProperty("isolation").GetString());
    }
}
