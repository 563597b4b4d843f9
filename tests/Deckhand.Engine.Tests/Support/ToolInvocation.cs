using System.Text.Json;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Tools;

namespace Deckhand.Engine.Tests.Support;

/// <summary>Calls a tool the way the agent loop does: JSON arguments through Parse, then ExecuteAsync.</summary>
internal static class ToolInvocation
{
    public static async Task<T> CallAsync<T>(this ITool tool, ToolContext context, string json)
        where T : ToolObservation
    {
        using var doc = JsonDocument.Parse(json);
        var action = tool.Parse(doc.RootElement);
        return (T)await tool.ExecuteAsync(action, context, TestContext.Current.CancellationToken);
    }

    public static ToolArgumentException ParseFails(this ITool tool, string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Assert.Throws<ToolArgumentException>(() => tool.Parse(doc.RootElement));
    }
}
