using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Common;

/// <summary>
/// A fault on purpose, for the fault suite: <c>KVSEDGE_FAULT_POINT</c> names one point at which the daemon SIGKILLs
/// itself, so a test can prove what a power cut at exactly that point leaves behind, or a camera that stalls. Honoured only with the simulated
/// door driver; with any other driver, or an unknown name, start is refused (exit 78), so it cannot cut a real door's
/// run short.
/// </summary>
public sealed partial class FaultPoint
{
    public const string EnvironmentVariable = "KVSEDGE_FAULT_POINT";

    /// <summary>Right after a grant's ledger entry is fsynced, before the relay moves.</summary>
    public const string AfterLedgerAppend = "after-ledger-append";

    /// <summary>After a granting record was acted on and audited, before its checkpoint is saved.</summary>
    public const string BeforeCheckpoint = "before-checkpoint";

    /// <summary>The camera pipeline plays but no frame ever passes its source: a camera that stopped delivering.</summary>
    public const string CameraStall = "camera-stall";

    internal static readonly string[] Known = [AfterLedgerAppend, BeforeCheckpoint, CameraStall];

    /// <summary>No fault point: what every caller outside the daemon's composition gets.</summary>
    public static readonly FaultPoint None = new(null);

    public FaultPoint(string? armed)
    {
        Armed = string.IsNullOrEmpty(armed) ? null : armed;
    }

    /// <summary>The armed point, or null.</summary>
    public string? Armed { get; }

    public bool IsArmed(string point) => string.Equals(Armed, point, StringComparison.Ordinal);

    public static FaultPoint FromEnvironment() => new(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>Kills this process with SIGKILL (no finally blocks, no flush, like a power cut) when <paramref name="point"/> is armed.</summary>
    public void Reached(string point)
    {
        if (IsArmed(point))
        {
            // Written synchronously: the suite reads it to know the kill was ours.
            Console.Error.WriteLine($"{EnvironmentVariable}={point}: killing this process");
            Console.Error.Flush();
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            self.Kill(); // SIGKILL on Unix
        }
    }
}
