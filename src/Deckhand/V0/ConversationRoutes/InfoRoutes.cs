using Deckhand.AppServer.AppConversations;

namespace Deckhand.V0.ConversationRoutes;

/// <summary><c>config</c>, <c>vscode-url</c> and <c>web-hosts</c> of a conversation (spec §1.4; V1 spec §9 item 11).</summary>
internal static class InfoRoutes
{
    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/config", ConfigAsync);
        group.MapGet("/vscode-url", VscodeUrlAsync);
        group.MapGet("/web-hosts", WebHostsAsync);
    }

    /// <summary>V0 rows: <c>runtime_id</c> null, <c>session_id</c> the hex id; V1 rows: the sandbox id and the id as given.</summary>
    private static async Task<IResult> ConfigAsync(V0Conversations conversations, string conversation_id, CancellationToken cancellationToken)
    {
        var (target, problem) = await conversations.FindAsync(conversation_id, cancellationToken);
        if (target is null)
            return problem!;
        var isV0 = target.Info.Version == "V0";
        return V0Json.Write(w =>
        {
            w.WriteStartObject();
            if (isV0)
                w.WriteNull("runtime_id");
            else
                w.WriteString("runtime_id", target.Info.SandboxId);
            w.WriteString("session_id", isV0 ? Ids.Hex(target.Id) : conversation_id);
            w.WriteEndObject();
        });
    }

    /// <summary>No VS Code server runs in Deckhand's sandboxes: always <c>{"vscode_url":null}</c>.</summary>
    private static async Task<IResult> VscodeUrlAsync(V0Conversations conversations, string conversation_id, CancellationToken cancellationToken)
    {
        var (target, problem) = await conversations.FindAsync(conversation_id, cancellationToken);
        if (target is null)
            return problem!;
        return V0Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteNull("vscode_url");
            w.WriteEndObject();
        });
    }

    /// <summary>Sandboxes expose no worker ports yet: <c>{"hosts":{}}</c>.</summary>
    private static async Task<IResult> WebHostsAsync(V0Conversations conversations, string conversation_id, CancellationToken cancellationToken)
    {
        var (target, problem) = await conversations.FindAsync(conversation_id, cancellationToken);
        if (target is null)
            return problem!;
        return V0Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("hosts");
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }
}
