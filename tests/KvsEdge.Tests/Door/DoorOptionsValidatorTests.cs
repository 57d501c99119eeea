using KvsEdge.Door;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Door;

public class DoorOptionsValidatorTests
{
    private static readonly Dictionary<string, Action<DoorOptions>> Cases = new()
    {
        ["pulse too short"] = o => o.PulseDuration = TimeSpan.FromMilliseconds(99),
        ["pulse zero"] = o => o.PulseDuration = TimeSpan.Zero,
        ["pulse above max"] = o => o.PulseDuration = TimeSpan.FromSeconds(11),
        ["pulse above own max"] = o => { o.MaxPulseDuration = TimeSpan.FromSeconds(5); o.PulseDuration = TimeSpan.FromSeconds(6); },
        ["max above cap"] = o => o.MaxPulseDuration = TimeSpan.FromMinutes(2),
        ["max and pulse above cap"] = o => { o.MaxPulseDuration = TimeSpan.FromHours(1); o.PulseDuration = TimeSpan.FromMinutes(30); },
        ["max too short"] = o => o.MaxPulseDuration = TimeSpan.FromMilliseconds(50),
        ["denied zero"] = o => o.DeniedSignalDuration = TimeSpan.Zero,
        ["relay pin negative"] = o => o.Relay.Pin = -1,
        ["led pin too high"] = o => o.StatusLed.Pin = 1024,
        ["relay equals led"] = o => o.GrantedLed.Pin = 17,
        ["led equals led"] = o => { o.DeniedLed.Pin = 5; o.StatusLed.Pin = 5; },
        ["unknown driver"] = o => o.Driver = "pigpio",
        ["negative chip"] = o => o.Chip = -1,
        ["blank transition log"] = o => o.Simulated.TransitionLog = " ",
    };

    [Theory]
    [InlineData("pulse too short", "Door:PulseDuration must be between 00:00:00.1 and Door:MaxPulseDuration (00:00:10) (was 00:00:00.099).")]
    [InlineData("pulse zero", "Door:PulseDuration must be between 00:00:00.1 and Door:MaxPulseDuration (00:00:10) (was 00:00:00).")]
    [InlineData("pulse above max", "Door:PulseDuration must be between 00:00:00.1 and Door:MaxPulseDuration (00:00:10) (was 00:00:11).")]
    [InlineData("pulse above own max", "Door:PulseDuration must be between 00:00:00.1 and Door:MaxPulseDuration (00:00:05) (was 00:00:06).")]
    [InlineData("max above cap", "Door:MaxPulseDuration must be between 00:00:00.1 and 00:01:00 (was 00:02:00).")]
    [InlineData("max and pulse above cap", "Door:MaxPulseDuration must be between 00:00:00.1 and 00:01:00 (was 01:00:00).")]
    [InlineData("max and pulse above cap", "Door:PulseDuration must be between 00:00:00.1 and Door:MaxPulseDuration (00:01:00) (was 00:30:00).")]
    [InlineData("max too short", "Door:MaxPulseDuration must be between 00:00:00.1 and 00:01:00 (was 00:00:00.05).")]
    [InlineData("denied zero", "Door:DeniedSignalDuration must be between 00:00:00.1 and 00:01:00 (was 00:00:00).")]
    [InlineData("relay pin negative", "Door:Relay:Pin must be between 0 and 1023 (was -1).")]
    [InlineData("led pin too high", "Door:StatusLed:Pin must be between 0 and 1023 (was 1024).")]
    [InlineData("relay equals led", "Door:Relay:Pin and Door:GrantedLed:Pin must be different pins (both are 17).")]
    [InlineData("led equals led", "Door:DeniedLed:Pin and Door:StatusLed:Pin must be different pins (both are 5).")]
    [InlineData("unknown driver", "Door:Driver must be one of 'libgpiod', 'libgpiod-v1', 'libgpiod-v2', 'simulated' (was 'pigpio').")]
    [InlineData("negative chip", "Door:Chip must be 0 or greater (was -1).")]
    [InlineData("blank transition log", "Door:Simulated:TransitionLog must be a file path or left out.")]
    public void Invalid_options_fail_with_a_message_naming_the_key(string scenario, string expected)
    {
        var options = new DoorOptions();
        Cases[scenario](options);

        ValidateOptionsResult result = new DoorOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.Failures!);
    }

    [Fact]
    public void Defaults_are_valid()
    {
        var options = new DoorOptions();
        Assert.True(new DoorOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(DoorOptions.LibgpiodDriver, options.Driver);
        Assert.Equal(17, options.Relay.Pin);
        Assert.False(options.Relay.ActiveLow);
        Assert.Null(options.GrantedLed.Pin);
        Assert.Equal(TimeSpan.FromSeconds(3), options.PulseDuration);
        Assert.Equal(TimeSpan.FromSeconds(10), options.MaxPulseDuration);
        Assert.Equal(TimeSpan.FromSeconds(1), options.DeniedSignalDuration);
    }

    [Theory]
    [InlineData("simulated")]
    [InlineData("LIBGPIOD")]
    [InlineData("libgpiod-v2")]
    public void Driver_names_are_case_insensitive(string driver)
    {
        var options = new DoorOptions { Driver = driver, PulseDuration = TimeSpan.FromMinutes(1), MaxPulseDuration = TimeSpan.FromMinutes(1) };
        Assert.True(new DoorOptionsValidator().Validate(null, options).Succeeded);
    }
}
