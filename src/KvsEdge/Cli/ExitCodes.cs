namespace KvsEdge.Cli;

/// <summary>Process exit codes; 78 (EX_CONFIG) lets systemd's RestartPreventExitStatus stop a restart loop on bad config.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    /// <summary>The verb ran but some items failed (`faces add`: a photo was not indexed; the others were).</summary>
    public const int SomeNotDone = 3;
    public const int Config = 78;
}
