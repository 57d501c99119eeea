using KvsEdge.Recognition;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Recognition;

public sealed class LocalRecognitionOptionsTests
{
    private static ValidateOptionsResult Validate(LocalRecognitionOptions local) =>
        new RecognitionOptionsValidator().Validate(null, new RecognitionOptions { Source = "image-api", ImageApi = { CollectionId = "door" }, Local = local });

    [Fact]
    public void Defaults_are_off_fallback_dlib_threshold_and_pass()
    {
        var local = new LocalRecognitionOptions();

        Assert.False(local.Enabled);
        Assert.Equal("fallback", local.Mode);
        Assert.Equal(0.55f, local.Threshold);
        Assert.Equal(3, local.MinAgreeingFrames);
        Assert.True(Validate(local).Succeeded, string.Join("; ", Validate(local).Failures ?? []));
    }

    [Theory]
    [InlineData("Mode", "Second-Opinion")]
    [InlineData("Mode", "")]
    [InlineData("Threshold", "0.61")]
    [InlineData("Threshold", "0")]
    [InlineData("Threshold", "NaN")]
    [InlineData("MinAgreeingFrames", "0")]
    [InlineData("MinAgreeingFrames", "31")]
    public void Out_of_range_values_are_refused_naming_the_key(string key, string value)
    {
        var local = new LocalRecognitionOptions();
        switch (key)
        {
            case "Mode": local.Mode = value; break;
            case "Threshold": local.Threshold = float.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            default: local.MinAgreeingFrames = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
        }

        var result = Validate(local);

        Assert.Contains(result.Failures!, f => f.StartsWith("Recognition:Local:" + key + " ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_per_person_threshold_looser_than_dlibs_is_refused_naming_the_person()
    {
        var local = new LocalRecognitionOptions { Thresholds = { ["alice"] = 0.5f, ["bob"] = 0.7f } };

        var result = Validate(local);

        Assert.Single(result.Failures!);
        Assert.StartsWith("Recognition:Local:Thresholds:bob ", result.Failures!.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Per_person_threshold_overrides_the_default()
    {
        var local = new LocalRecognitionOptions { Threshold = 0.55f, Thresholds = { ["alice"] = 0.45f } };

        Assert.Equal(0.45f, local.ThresholdOf("alice"));
        Assert.Equal(0.55f, local.ThresholdOf("bob"));
    }

    [Fact]
    public void Enabling_local_recognition_is_accepted_with_the_image_api_source()
    {
        var result = Validate(new LocalRecognitionOptions { Enabled = true, Mode = "second-opinion" });

        Assert.True(result.Succeeded, string.Join("; ", result.Failures ?? []));
    }

    [Fact]
    public void Enabling_local_recognition_without_the_image_api_source_is_refused_naming_the_key()
    {
        var result = new RecognitionOptionsValidator().Validate(null, new RecognitionOptions { Source = "kinesis", Local = { Enabled = true } });

        Assert.Contains(result.Failures!, f => f.StartsWith("Recognition:Local:Enabled needs Recognition:Source", StringComparison.Ordinal));
    }

    [Fact]
    public void More_agreeing_frames_than_a_search_looks_at_is_refused_naming_the_key()
    {
        var result = new RecognitionOptionsValidator().Validate(null, new RecognitionOptions
        {
            Source = "image-api",
            ImageApi = { CollectionId = "door", MaxFrames = 2 },
            Local = { Enabled = true, MinAgreeingFrames = 3 },
        });

        Assert.Contains(result.Failures!, f => f.StartsWith("Recognition:Local:MinAgreeingFrames (3) must not exceed Recognition:ImageApi:MaxFrames (2)", StringComparison.Ordinal));
    }
}
