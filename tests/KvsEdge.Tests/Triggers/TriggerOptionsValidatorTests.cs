using KvsEdge.Recognition;
using KvsEdge.Status;
using KvsEdge.Triggers;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Triggers;

public sealed class TriggerOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(TriggerOptions options, MqttOptions? mqtt = null) =>
        new TriggerOptionsValidator(Options.Create(mqtt ?? new MqttOptions())).Validate(null, options);

    [Fact]
    public void The_defaults_are_valid_and_every_trigger_is_off()
    {
        var options = new TriggerOptions();

        Assert.True(Validate(options).Succeeded);
        Assert.False(options.AnyEnabled);
    }

    [Fact]
    public void The_mqtt_command_is_refused_without_an_authenticated_broker()
    {
        var options = new TriggerOptions { Mqtt = { Enabled = true } };

        ValidateOptionsResult anonymous = Validate(options);
        ValidateOptionsResult authenticated = Validate(options, new MqttOptions { Username = "kvsedge", Password = "p" });

        Assert.Contains(anonymous.Failures!, f => f.Contains("Triggers:Mqtt:Enabled", StringComparison.Ordinal) && f.Contains("Mqtt:Username", StringComparison.Ordinal));
        Assert.True(authenticated.Succeeded);
    }

    [Theory]
    [InlineData("Triggers:Gpio:0:Pull")]
    [InlineData("Triggers:Gpio:0:Debounce")]
    [InlineData("Triggers:Gpio:1:Pin")]
    [InlineData("Triggers:Gpio:1:Name")]
    [InlineData("Triggers:Motion:Sensitivity")]
    [InlineData("Triggers:Motion:Region")]
    [InlineData("Triggers:Interval")]
    public void Each_bad_value_is_named(string key)
    {
        var options = new TriggerOptions
        {
            Gpio =
            {
                new GpioTriggerOptions { Name = "bell", Pin = 13, Pull = "sideways", Debounce = TimeSpan.FromSeconds(-1) },
                new GpioTriggerOptions { Name = "bell" }, // no pin, and item 0's name
            },
            Motion = { Enabled = true, Sensitivity = 0, Region = { Left = 0.8, Width = 0.5 } },
            Interval = TimeSpan.FromMilliseconds(10),
        };

        Assert.Contains(Validate(options).Failures!, f => f.StartsWith(key, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("kinesis", new[] { "kinesis" })]
    [InlineData("image-api", new[] { "image-api" })]
    [InlineData("kinesis, image-api", new[] { "kinesis", "image-api" })]
    [InlineData("Kinesis+image-api", new[] { "kinesis", "image-api" })]
    public void Recognition_sources_parse_alone_or_together(string value, string[] expected) =>
        Assert.Equal(expected, RecognitionOptions.ParseSources(value));

    [Fact]
    public void The_image_api_source_needs_a_collection_and_sane_limits()
    {
        var options = new RecognitionOptions
        {
            Source = "image-api",
            ImageApi = { CollectionId = null, MaxFrames = 0, MaxCallsPerMinute = 10, MaxCallsPerDay = 5, FaceMatchThreshold = 120 },
        };

        ValidateOptionsResult result = new RecognitionOptionsValidator().Validate(null, options);

        string[] keys = ["Recognition:ImageApi:CollectionId", "Recognition:ImageApi:MaxFrames", "Recognition:ImageApi:MaxCallsPerDay", "Recognition:ImageApi:FaceMatchThreshold"];
        Assert.All(keys, key => Assert.Contains(result.Failures!, f => f.StartsWith(key, StringComparison.Ordinal)));
    }

    [Fact]
    public void An_unknown_source_is_named()
    {
        ValidateOptionsResult result = new RecognitionOptionsValidator().Validate(null, new RecognitionOptions { Source = "kinesis,carrier-pigeon" });

        Assert.Contains(result.Failures!, f => f.StartsWith("Recognition:Source", StringComparison.Ordinal) && f.Contains("carrier-pigeon", StringComparison.Ordinal));
    }
}
