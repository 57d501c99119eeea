using System.Diagnostics;
using System.Text.RegularExpressions;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.TestSupport;

namespace KvsEdge.IntegrationTests.Demo;

/// <summary>`kvsedge demo --once` as a user runs it: its banner, its broker choice and its output, from the child process.</summary>
[Trait("Category", "Integration")]
public sealed partial class DemoProcessTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private readonly MosquittoFixture _mosquitto = mosquitto;
    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-demo-").FullName;

    [Fact]
    public async Task A_configured_port_alone_sends_the_demo_to_that_broker_on_the_default_host()
    {
        await using MqttProbe probe = await MqttProbe.ConnectAsync(_mosquitto.Host, _mosquitto.Port, "kvsedge/demo/#");
        var settings = new Dictionary<string, object> { ["Mqtt"] = new Dictionary<string, object> { ["Port"] = _mosquitto.Port } };
        await using KvsEdgeProcess demo = KvsEdgeProcess.Start("demo --once", settings, _work);

        int exit = await demo.Exited.WaitAsync(Bound);

        string output = string.Join('\n', demo.Lines);
        Assert.True(exit == 0, output);
        Assert.DoesNotContain("KeyNotFoundException", output, StringComparison.Ordinal);
        Assert.Contains($"broker localhost:{_mosquitto.Port}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("embedded broker", output, StringComparison.Ordinal);
        await probe.WaitForAsync(m => m.Topic == "kvsedge/demo/events", Bound);
    }

    [Fact]
    public async Task The_piped_output_shows_each_decision_before_its_relay_line_in_time_order_and_unwrapped()
    {
        // A pulse long enough that the next records are decided while the door is open: their lines come after it.
        var settings = new Dictionary<string, object> { ["Door"] = new Dictionary<string, object> { ["PulseDuration"] = "00:00:07" } };
        await using KvsEdgeProcess demo = KvsEdgeProcess.Start("demo --once", settings, _work);

        int exit = await demo.Exited.WaitAsync(Bound);

        IReadOnlyList<string> lines = demo.Lines;
        string output = string.Join('\n', lines);
        Assert.True(exit == 0, output);

        // The grant, then the relay it caused, then the relay's end; every timestamped line in order.
        int granted = IndexOf(lines, "access_granted  alice");
        int unlocked = IndexOf(lines, "DOOR UNLOCKED");
        Assert.True(granted >= 0 && granted < unlocked && unlocked < IndexOf(lines, "DOOR LOCKED"), output);
        // The simulated door contact: the person opens the door after the grant and closes it behind them, and the
        // strike relocks as it closes (relock on close), before the 7 s pulse would have ended.
        int opened = IndexOf(lines, "door open ");
        int closed = lines.ToList().FindIndex(opened + 1, l => l.Contains("door closed", StringComparison.Ordinal));
        Assert.True(unlocked < opened && opened < closed && closed < IndexOf(lines, "DOOR LOCKED"), output);
        // (Camera lines are left out: their status is stamped on the pipeline's thread, a moment before it is printed.)
        string[] times = [.. lines.Where(l => !l.Contains(" camera ", StringComparison.Ordinal))
            .Select(l => Timestamp().Match(l)).Where(m => m.Success).Select(m => m.Value)];
        Assert.True(times.Length > 10, output);
        Assert.Equal(times.Order(StringComparer.Ordinal), times);

        // The denial names who was refused; the duplicate's key (a whole stream ARN) is shortened.
        Assert.Matches(@"access_denied\s+mallory 99\.1% \(not_allowed\)", output);
        string duplicate = lines.Single(l => l.Contains("(duplicate)", StringComparison.Ordinal));
        Assert.Contains("…", duplicate, StringComparison.Ordinal);
        Assert.DoesNotContain(duplicate.Split(' '), t => t.Length > DemoConsoleViewLimits.MaxTokenLength);

        // Piped, nothing is wrapped at 80 columns: the banner's rows are whole lines.
        string recordings = lines.Single(l => l.Contains("Recordings", StringComparison.Ordinal));
        Assert.Matches(@"/kvsedge-demo-\d+/recordings \(deleted when the demo exits\)", recordings);
        Assert.Contains(lines, l => WatchCommand().IsMatch(l));
        Assert.False(Directory.Exists(RecordingsDirectory().Match(recordings).Value), "the recordings are deleted on exit");

        Assert.Contains("Summary: 2 granted, 1 denied, 2 unknown faces, 4 ignored; door locked.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_from_a_KVSEDGE_variable_sends_the_demo_to_that_broker()
    {
        await using MqttProbe probe = await MqttProbe.ConnectAsync(_mosquitto.Host, _mosquitto.Port, "kvsedge/demo/#");
        var environment = new Dictionary<string, string>
        {
            ["KVSEDGE_Mqtt__Host"] = _mosquitto.Host,
            ["KVSEDGE_Mqtt__Port"] = _mosquitto.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using KvsEdgeProcess demo = KvsEdgeProcess.Start("demo --once", new Dictionary<string, object>(), _work, environment);

        int exit = await demo.Exited.WaitAsync(Bound);

        string output = string.Join('\n', demo.Lines);
        Assert.True(exit == 0, output);
        Assert.Contains($"broker {_mosquitto.Host}:{_mosquitto.Port}", output, StringComparison.Ordinal);
        Assert.Contains($"mosquitto_sub -h {_mosquitto.Host} -p {_mosquitto.Port} -t 'kvsedge/demo/#' -v", output, StringComparison.Ordinal);
        await probe.WaitForAsync(m => m.Topic == "kvsedge/demo/events", Bound);
    }

    [Fact]
    public async Task The_banner_mosquitto_sub_command_receives_demo_messages_from_the_embedded_broker()
    {
        await using KvsEdgeProcess demo = KvsEdgeProcess.Start("demo", new Dictionary<string, object>(), _work);
        string watch = await demo.WaitForLineAsync(l => l.Contains("mosquitto_sub ", StringComparison.Ordinal), Bound);
        // The command exactly as printed (the banner is one unwrapped line even when piped), plus `-C 1` so it ends.
        string command = WatchCommand().Match(watch).Value;
        Assert.EndsWith(" -v", command, StringComparison.Ordinal);

        var info = new ProcessStartInfo("/bin/sh");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command + " -C 1");
        await using ChildProcess sub = ChildProcess.Start("mosquitto_sub", info);

        int exit = await sub.Exited.WaitAsync(Bound);
        string received = string.Join('\n', sub.Lines);
        Assert.True(exit == 0, $"{command}\n{received}\n{string.Join('\n', demo.Lines)}");
        // One message of the demo's (which retained state comes first is the broker's choice), in `-v` form: topic payload.
        Assert.Matches(@"^kvsedge/demo/(availability|door|camera|recognition|events) \S", received);
        Assert.DoesNotContain("identifier rejected", received, StringComparison.OrdinalIgnoreCase);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static int IndexOf(IReadOnlyList<string> lines, string text)
    {
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Contains(text, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    [GeneratedRegex(@"mosquitto_sub .*? -v")]
    private static partial Regex WatchCommand();

    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d\d\d(?= )")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"/\S*/kvsedge-demo-\d+/recordings")]
    private static partial Regex RecordingsDirectory();

    /// <summary>The view's token limit, repeated so the test also runs against an older binary.</summary>
    private static class DemoConsoleViewLimits
    {
        public const int MaxTokenLength = 40;
    }
}
