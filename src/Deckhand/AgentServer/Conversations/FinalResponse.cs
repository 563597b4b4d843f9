using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Storage;

namespace Deckhand.AgentServer.Conversations;

/// <summary>
/// The agent's last word: the message of its latest <c>finish</c> call, else the text of its latest message, else
/// empty. A finish call that could not be validated also means empty.
/// </summary>
internal static class FinalResponse
{
    public static string Find(IConversationStore store, Guid conversationId)
    {
        string? page = null;
        do
        {
            var result = store.SearchEvents(conversationId, new EventQuery
            {
                Filter = new EventFilter { Source = "agent" },
                PageId = page,
                Limit = 100,
                Descending = true,
            });
            foreach (var stored in result.Items)
            {
                switch (stored.Event)
                {
                    case ActionEvent { ToolName: "finish" } finish:
                        return finish.Action is FinishAction action ? action.Message : "";
                    case MessageEvent message:
                        return message.LlmMessage.Text();
                }
            }
            page = result.NextPageId;
        }
        while (page is not null);
        return "";
    }
}
