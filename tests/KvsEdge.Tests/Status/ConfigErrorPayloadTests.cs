using System.Text.Json;
using KvsEdge.Recognition;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Status;

/// <summary>`config_error` is an added key of the retained `recognition` state: always present, null unless a reload was refused.</summary>
public sealed class ConfigErrorPayloadTests
{
    [Fact]
    public void The_recognition_state_carries_config_error_and_a_refused_reload_is_published_at_once()
    {
        var published = new RecordingStatus();
        var reporter = new RecognitionStatusReporter(published, new FakeTimeProvider());
        reporter.Report(RecognitionSources.Kinesis, "running");

        reporter.ReportConfigError("Access:DefaultMinSimilarity must be between 0 and 100");
        reporter.ReportConfigError("Access:DefaultMinSimilarity must be between 0 and 100"); // unchanged: not again
        reporter.ReportConfigError(null);

        string[] payloads = published.Recognition.Select(StatusPayloads.Recognition).ToArray();
        Assert.Equal(3, payloads.Length);
        Assert.Equal(JsonValueKind.Null, Parse(payloads[0]).GetProperty("config_error").ValueKind);
        Assert.Equal("Access:DefaultMinSimilarity must be between 0 and 100", Parse(payloads[1]).GetProperty("config_error").GetString());
        Assert.Equal("running", Parse(payloads[1]).GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, Parse(payloads[2]).GetProperty("config_error").ValueKind);
    }

    [Fact]
    public void A_refused_reload_before_any_state_goes_out_with_the_first_state()
    {
        var published = new RecordingStatus();
        var reporter = new RecognitionStatusReporter(published, new FakeTimeProvider());

        reporter.ReportConfigError("bad");
        Assert.Empty(published.Recognition);
        reporter.Report(RecognitionSources.Kinesis, "starting");

        Assert.Equal("bad", Assert.Single(published.Recognition).ConfigError);
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
