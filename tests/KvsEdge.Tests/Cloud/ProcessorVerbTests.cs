using Amazon.Runtime;
using KvsEdge.Cli;
using KvsEdge.Cloud;
using KvsEdge.Common;
using KvsEdge.TestSupport;
using KvsEdge.Tests.Aws;
using Spectre.Console.Testing;

namespace KvsEdge.Tests.Cloud;

/// <summary>`processor start|stop|status` and the `cloud down` confirmation, against the Rekognition wire listener.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class ProcessorVerbTests : IAsyncLifetime
{
    private const string Region = "eu-west-1";
    private const string Name = "front-door";

    private RekognitionWireListener _listener = null!;
    private RekognitionWireState _state = null!;
    private CloudVerbHarness _verb = null!;

    public Task InitializeAsync()
    {
        _listener = new RekognitionWireListener(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey, Region);
        _state = new RekognitionWireState(_listener);
        _state.SeedProcessor(
            Name,
            "arn:aws:kinesisvideo:eu-west-1:123456789012:stream/front-door/1795581309147",
            "arn:aws:kinesis:eu-west-1:123456789012:stream/front-door-matches",
            "arn:aws:iam::123456789012:role/kvsedge-rekognition",
            "front-door-faces",
            85);
        _verb = NewVerb(TimeProvider.System);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _listener.DisposeAsync();

    private CloudVerbHarness NewVerb(TimeProvider time) => new(
        new AwsOptions { Region = Region, Endpoints = new AwsEndpointOptions { Rekognition = _listener.Url } },
        new BasicAWSCredentials(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey),
        new CloudOptions { ProcessorName = Name },
        time);

    private Task<(int ExitCode, string Output, string Error)> Run(CloudCommands.ProcessorAction action) =>
        _verb.RunAsync((c, ct) => CloudCommands.ProcessorAsync(c, action, ct));

    [Fact]
    public async Task Start_and_stop_are_idempotent_and_say_whether_they_changed_anything()
    {
        var start = await Run(CloudCommands.ProcessorAction.Start);
        Assert.Equal(ExitCodes.Ok, start.ExitCode);
        Assert.Contains("Started front-door.", start.Output, StringComparison.Ordinal);
        Assert.Contains(" RUNNING ", start.Output, StringComparison.Ordinal);

        var again = await Run(CloudCommands.ProcessorAction.Start);
        Assert.Contains("front-door is RUNNING already: nothing to do.", again.Output, StringComparison.Ordinal);
        Assert.Single(_listener.Requests, r => r.Operation == "StartStreamProcessor");

        var stop = await Run(CloudCommands.ProcessorAction.Stop);
        Assert.Contains("Stopped front-door.", stop.Output, StringComparison.Ordinal);
        Assert.Equal("STOPPED", (string?)_state.Processor(Name)!["Status"]);

        var stopAgain = await Run(CloudCommands.ProcessorAction.Stop);
        Assert.Contains("front-door is STOPPED already: nothing to do.", stopAgain.Output, StringComparison.Ordinal);
        Assert.Single(_listener.Requests, r => r.Operation == "StopStreamProcessor");

        var status = await Run(CloudCommands.ProcessorAction.Status);
        Assert.Contains("front-door-faces", status.Output, StringComparison.Ordinal);
        Assert.Contains(" 85 ", status.Output, StringComparison.Ordinal);
        Assert.Empty(_listener.Failures);
    }

    [Fact]
    public async Task Stop_waits_on_the_clock_until_the_processor_has_left_STOPPING()
    {
        var time = new SignallingTimeProvider();
        _verb = NewVerb(time);
        _state.StopTakesADescribe = true;
        await Run(CloudCommands.ProcessorAction.Start);

        var stopping = Run(CloudCommands.ProcessorAction.Stop);
        var delay = await time.NextTimerAsync(TimeSpan.FromSeconds(10));
        Assert.False(stopping.IsCompleted);
        time.Advance(delay);
        var stop = await stopping;

        Assert.Contains("Stopped front-door.", stop.Output, StringComparison.Ordinal);
        Assert.Contains(" STOPPED ", stop.Output, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(2), delay);
    }

    [Fact]
    public async Task A_missing_processor_points_at_cloud_up()
    {
        _verb.Context = _verb.Context with { Cloud = new CloudOptions { ProcessorName = "no-such-processor" } };

        var (code, _, _) = await Run(CloudCommands.ProcessorAction.Start);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.DoesNotContain(_listener.Requests, r => r.Operation == "StartStreamProcessor");
    }

    [Fact]
    public async Task Cloud_down_answered_no_deletes_nothing()
    {
        var console = new TestConsole().Interactive();
        console.Input.PushTextWithEnter("n");
        _verb.Context = _verb.Context with { Console = console };

        var (code, _, _) = await _verb.RunAsync((c, ct) => CloudCommands.DownAsync(c, yes: false, ct));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Delete the stream processor 'front-door'", console.Output, StringComparison.Ordinal);
        Assert.Contains("Nothing deleted.", console.Output, StringComparison.Ordinal);
        Assert.Empty(_listener.Requests);
        Assert.NotNull(_state.Processor(Name));
    }

    [Fact]
    public async Task Cloud_down_without_a_terminal_or_yes_is_a_usage_error()
    {
        var (code, _, _) = await _verb.RunAsync((c, ct) => CloudCommands.DownAsync(c, yes: false, ct));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(_listener.Requests);
    }
}
