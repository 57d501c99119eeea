using System.CommandLine;
using System.Globalization;
using KvsEdge.Common;
using KvsEdge.Hosting;
using KvsEdge.Snapshots;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace KvsEdge.Cli;

/// <summary>`kvsedge snapshots list|get`: the decision snapshots kept under `Device:StateDirectory/snapshots`, for a person at the device.</summary>
public static class SnapshotCommands
{
    public static Command Build()
    {
        Option<FileInfo?> listConfig = KvsEdgeCommands.ConfigOption();
        var list = new Command("list", "List the kept decision snapshots, oldest first: id, time, decision, person, bytes.") { listConfig };
        list.SetAction(parse => List(parse.GetValue(listConfig)?.FullName, Console.Out, Console.Error));

        Option<FileInfo?> getConfig = KvsEdgeCommands.ConfigOption();
        var id = new Argument<string>("id") { Description = "A snapshot id as `snapshots list` shows it (also the snapshot_id of an event)." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the JPEG.", Required = true };
        var get = new Command("get", "Write one snapshot's JPEG to a file.") { getConfig, id, output };
        get.SetAction(parse => Get(parse.GetValue(getConfig)?.FullName, parse.GetValue(id)!, parse.GetValue(output)!.FullName, Console.Out, Console.Error));

        var snapshots = new Command("snapshots", "Decision snapshots: the JPEG each face decision was made on.");
        snapshots.Subcommands.Add(list);
        snapshots.Subcommands.Add(get);
        return snapshots;
    }

    public static int List(string? configFile, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (Ring(configFile, error) is not { } ring)
        {
            return ExitCodes.Config;
        }

        IReadOnlyList<SnapshotInfo> snapshots;
        try
        {
            snapshots = ring.List();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot read {ring.Directory}: {ex.Message}");
            return ExitCodes.Failure;
        }

        if (snapshots.Count == 0)
        {
            output.WriteLine($"No snapshots in {ring.Directory}.");
            return ExitCodes.Ok;
        }

        string[] header = ["ID", "TIME", "DECISION", "PERSON", "BYTES"];
        List<string[]> rows = [header, .. snapshots.Select(s => new[]
        {
            s.Id, Timestamps.Iso(s.Time)!, s.Decision, s.Person ?? "-", s.Bytes.ToString(CultureInfo.InvariantCulture),
        })];
        int[] widths = Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (string[] row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
        }

        return ExitCodes.Ok;
    }

    public static int Get(string? configFile, string id, string outputFile, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (Ring(configFile, error) is not { } ring)
        {
            return ExitCodes.Config;
        }

        if (ring.ImagePath(id) is not { } path)
        {
            error.WriteLine($"error: no snapshot '{id}' in {ring.Directory}; `kvsedge snapshots list` shows the ids kept.");
            return ExitCodes.Failure;
        }

        try
        {
            File.WriteAllBytes(outputFile, File.ReadAllBytes(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot write {outputFile}: {ex.Message}");
            return ExitCodes.Failure;
        }

        output.WriteLine($"Wrote snapshot {id} to {outputFile}.");
        return ExitCodes.Ok;
    }

    private static SnapshotRing? Ring(string? configFile, TextWriter error)
    {
        try
        {
            IConfigurationRoot configuration = new ConfigurationBuilder().AddKvsEdgeSources(configFile).Build();
            var failures = new List<string>();
            DeviceOptions device = ValidatedOptions.Load<DeviceOptions>(
                configuration, DeviceOptions.SectionName, static (c, o, b) => c.Bind(o, b), failures, new DeviceOptionsValidator());
            SnapshotOptions snapshots = ValidatedOptions.Load<SnapshotOptions>(
                configuration, SnapshotOptions.SectionName, static (c, o, b) => c.Bind(o, b), failures, new SnapshotOptionsValidator());
            ValidatedOptions.ThrowIfAny(failures);
            return new SnapshotRing(device.StateDirectory, snapshots.MaxCount, snapshots.MaxBytes);
        }
        catch (Exception ex) when (ConfigurationErrors.TryReport(ex, error))
        {
            return null;
        }
    }
}
