namespace Deckhand.Engine.Tests.Support;

/// <summary>A fresh directory for one test's database; deleted on dispose.</summary>
internal sealed class TempDatabase : IDisposable
{
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), $"deckhand-engine-{Guid.NewGuid():N}");

    public string DatabasePath => Path.Combine(DataDir, "deckhand.db");

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(DataDir))
                Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
