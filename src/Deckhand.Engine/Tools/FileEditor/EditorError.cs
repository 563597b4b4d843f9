namespace Deckhand.Engine.Tools.FileEditor;

/// <summary>
/// A file_editor request that cannot be carried out as asked (bad path, no match, binary file...). The message goes
/// back to the model as an error observation; nothing on disk has changed when it is thrown.
/// </summary>
internal sealed class EditorError(string message) : Exception(message);
