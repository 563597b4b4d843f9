namespace Deckhand.Testing.Llm;

/// <summary>A reply with the ids and echo fields of the completion it answers.</summary>
internal sealed record ResolvedReply(string Id, long Created, string Model, ScriptedReply Reply, IReadOnlyList<string> CallIds);
