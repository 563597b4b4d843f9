using Deckhand.Engine.Files;

namespace Deckhand.Engine.Tools.FileEditor;

/// <summary>
/// With shell isolation on, the editor must not be a way around it: it runs in the server process, so it would
/// otherwise write wherever the server can. It may then change files only inside the workspace, and additionally read
/// the conversation's saved terminal output. Paths are judged by where they really lead (symlinks, <c>..</c>).
/// </summary>
internal sealed class EditorConfinement(string workspace, IReadOnlyList<string> readOnly)
{
    public void Check(string command, string path)
    {
        var real = RealPath.Resolve(path);
        if (RealPath.IsWithin(real, RealPath.Of(workspace)))
            return;
        if (command == "view" && readOnly.Any(dir => RealPath.IsWithin(real, RealPath.Of(dir))))
            return;
        throw new EditorError($"{path} is outside the workspace {workspace}. Shell isolation is on, so file_editor only works inside the workspace.");
    }
}
