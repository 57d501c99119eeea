namespace KvsEdge.Cli;

/// <summary>Process exit codes; 78 (EX_CONFIG) lets systemd's RestartPreventExitStatus stop a restart loop on bad config.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Config = 78;
}
