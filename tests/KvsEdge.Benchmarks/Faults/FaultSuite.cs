using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using KvsEdge.TestSupport;

namespace KvsEdge.Benchmarks.Faults;

internal sealed record FaultOptions(string? DaemonExecutable, int SoakSeconds, int KinesisOutageSeconds, IReadOnlySet<string> Only, bool Keep)
{
    public static bool TryParse(ReadOnlySpan<string> args, [NotNullWhen(true)] out FaultOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        string? executable = null;
        int soak = 600;
        int outage = 120;
        var only = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool keep = false;
        if (!BenchArguments.TryParse(args, (name, value) => name switch
            {
                "--daemon" => File.Exists(executable = Path.GetFullPath(value)),
                "--soak-seconds" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out soak) && soak >= 20,
                "--kinesis-outage-seconds" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out outage) && outage >= 30,
                "--only" => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(r => FaultSuite.RowIds.Contains(r, StringComparer.OrdinalIgnoreCase) && only.Add(r)),
                "--keep" => bool.TryParse(value, out keep),
                _ => false,
            }, out error))
        {
            return false;
        }

        options = new FaultOptions(executable, soak, outage, only, keep);
        return true;
    }

    public bool Runs(string row) => Only.Count == 0 || Only.Contains(row);
}

/// <summary>One line of the table. Null counts are "not measured by this row".</summary>
internal sealed record FaultResult(string Row, string Fault, string Injected, int? WrongUnlocks, int? LostEvents, TimeSpan? Recovery, bool Passed, string Detail);

/// <summary>
/// `faults`: the real `kvsedge run` against real Mosquitto and kinesalite, one fault per row (issue 10, R1–R12),
/// one table at the end. Exit code 0 only when every row that ran passed.
/// </summary>
internal static class FaultSuite
{
    public static readonly string[] RowIds = ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12"];

    public static async Task<int> RunAsync(FaultOptions options, CancellationToken cancellationToken)
    {
        string build = options.DaemonExecutable is { } published ? "published " + published : "JIT build " + Path.Combine(AppContext.BaseDirectory, "kvsedge.dll");
        Console.WriteLine($"KvsEdge fault suite: kvsedge {build}; soak {options.SoakSeconds} s, Kinesis outage {options.KinesisOutageSeconds} s");
        long started = Stopwatch.GetTimestamp();
        var results = new List<FaultResult>();
        await using FaultLab lab = await FaultLab.StartAsync(options.DaemonExecutable, cancellationToken);
        lab.Keep = options.Keep;
        Console.WriteLine($"kinesalite {lab.Kinesalite.ServiceUrl}, mosquitto 127.0.0.1:{lab.Broker.Port}, scratch {lab.Work.FullName}");
        var rows = new FaultRows(lab, options);

        // R3 mostly waits out its outage: the rows that neither stop the broker nor time anything closely run meanwhile.
        Task<FaultResult>? r3 = options.Runs("R3") ? Guarded("R3", "Kinesis outage", () => rows.KinesisOutageAsync(cancellationToken)) : null;
        await Add("R4", "hostile records", () => rows.HostileRecordsAsync(cancellationToken));
        await Add("R7", "bad configs", () => rows.BadConfigsAsync(cancellationToken));
        await Add("R8", "MQTT command fuzz", () => rows.MqttFuzzAsync(cancellationToken));
        await Add("R9", "secrets", () => rows.SecretsAsync(cancellationToken));
        await Add("R2", "kill between ledger and checkpoint", () => rows.FaultPointsAsync(cancellationToken));
        if (r3 is not null)
        {
            Report(await r3);
        }

        // Alone: R1 stops the shared broker; R5 and R6 time the relay; R10 measures memory.
        await Add("R1", "broker stopped", () => rows.BrokerOutageAsync(cancellationToken));
        await Add("R5", "signals mid-pulse", () => rows.SignalsMidPulseAsync(cancellationToken));
        await Add("R6", "camera error and stall", () => rows.CameraFaultsAsync(cancellationToken));
        await Add("R10", "accelerated soak", () => rows.SoakAsync(cancellationToken));
        await Add("R11", "relay write failures", () => rows.RelayWriteFailuresAsync(cancellationToken));
        await Add("R12", "ledger faults", () => rows.LedgerFaultsAsync(cancellationToken));

        results.Sort((a, b) => Array.IndexOf(RowIds, a.Row).CompareTo(Array.IndexOf(RowIds, b.Row)));
        PrintTable(results, Stopwatch.GetElapsedTime(started));
        return results.All(r => r.Passed) ? 0 : 1;

        async Task Add(string row, string fault, Func<Task<FaultResult>> run)
        {
            if (options.Runs(row))
            {
                Report(await Guarded(row, fault, run));
            }
        }

        void Report(FaultResult result)
        {
            results.Add(result);
            Console.WriteLine($"[{result.Row}] {(result.Passed ? "pass" : "FAIL")}: {result.Detail}");
        }

        async Task<FaultResult> Guarded(string row, string fault, Func<Task<FaultResult>> run)
        {
            Console.WriteLine($"[{row}] {fault}...");
            try
            {
                return await run();
            }
            catch (Exception ex) when (ex is BenchException or ChildProcessException or TimeoutException or IOException or InvalidOperationException
                or UnauthorizedAccessException or Aws.AwsServiceException or HttpRequestException or MQTTnet.Exceptions.MqttCommunicationException
                || ex is TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return new FaultResult(row, fault, "-", null, null, null, false, "could not run: " + ex.Message.Trim());
            }
        }
    }

    private static void PrintTable(List<FaultResult> results, TimeSpan elapsed)
    {
        Console.WriteLine();
        Console.WriteLine(FaultLab.Invariant($"== KvsEdge fault suite ({elapsed.TotalMinutes:0.0} min) =="));
        string header = FaultLab.Invariant($"{"row",-4} {"fault",-34} {"injected",-44} {"wrong unlocks",13} {"lost events",11} {"recovery",9}  result");
        Console.WriteLine(header);
        Console.WriteLine(new string('-', header.Length));
        foreach (FaultResult r in results)
        {
            Console.WriteLine(FaultLab.Invariant(
                $"{r.Row,-4} {Cut(r.Fault, 34),-34} {Cut(r.Injected, 44),-44} {Count(r.WrongUnlocks),13} {Count(r.LostEvents),11} {Time(r.Recovery),9}  {(r.Passed ? "pass" : "FAIL")}"));
        }

        Console.WriteLine();
        foreach (FaultResult r in results)
        {
            Console.WriteLine($"{r.Row}: {r.Detail}");
        }

        int failed = results.Count(r => !r.Passed);
        Console.WriteLine(failed == 0
            ? FaultLab.Invariant($"all {results.Count} rows passed")
            : FaultLab.Invariant($"{failed} of {results.Count} rows FAILED: {string.Join(", ", results.Where(r => !r.Passed).Select(r => r.Row))}"));

        static string Count(int? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "-";

        static string Time(TimeSpan? value) => value is { } v
            ? v < TimeSpan.FromSeconds(1) ? FaultLab.Invariant($"{v.TotalMilliseconds:0} ms") : FaultLab.Invariant($"{v.TotalSeconds:0.0} s")
            : "-";

        static string Cut(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
    }
}
