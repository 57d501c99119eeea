using KvsEdge.Recognition;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Recognition;

/// <summary>Each source declares its own checks and watchdog bound; the central validator only walks the catalog.</summary>
public sealed class RecognitionSourceCatalogTests
{
    [Fact]
    public void Every_source_name_has_exactly_one_registration()
    {
        Assert.Equal(
            [RecognitionSources.Kinesis, RecognitionSources.ImageApi, RecognitionSources.Replay],
            RecognitionSourceCatalog.All.Select(r => r.Name));
        Assert.Null(RecognitionSourceCatalog.Find("carrier-pigeon"));
    }

    [Fact]
    public void A_registration_checks_only_its_own_options_and_its_required_keys_only_when_selected()
    {
        var options = new RecognitionOptions { Kinesis = { StreamName = null }, ImageApi = { CollectionId = null } };

        var whenOff = new List<string>();
        KinesisSource.Registration.Validate(options, false, whenOff);
        ImageApiSource.Registration.Validate(options, false, whenOff);
        var whenOn = new List<string>();
        KinesisSource.Registration.Validate(options, true, whenOn);

        Assert.Empty(whenOff);
        Assert.Equal(["Recognition:Kinesis:StreamName is required when Recognition:Source is 'kinesis'."], whenOn);
    }

    [Fact]
    public void The_source_error_names_every_registered_source()
    {
        ValidateOptionsResult result = new RecognitionOptionsValidator().Validate(null, new RecognitionOptions { Source = "pigeon" });

        Assert.Contains(
            "Recognition:Source must be 'kinesis', 'image-api' or 'replay', or several separated by commas (got 'pigeon').",
            result.Failures!);
    }

    [Fact]
    public void Each_source_declares_its_own_watchdog_bound()
    {
        var options = new RecognitionOptions();

        Assert.Equal(TimeSpan.FromSeconds(30 + 30), KinesisSource.Registration.LongestQuiet(options));
        Assert.Equal(TimeSpan.FromSeconds(1 + 2 + 30), ImageApiSource.Registration.LongestQuiet(options));
        Assert.Equal(options.Replay.LoopDelay + TimeSpan.FromMinutes(1), ReplaySource.Registration.LongestQuiet(options));
    }
}
