namespace Deckhand.Cli;

/// <summary>Process exit codes, the contract scripts and CI rely on.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Error = 1;
    public const int BadUsage = 2;
    public const int StuckOrLimit = 3;
    public const int Interrupted = 130;
}
