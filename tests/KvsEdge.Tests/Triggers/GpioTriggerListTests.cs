using System.Device.Gpio;
using KvsEdge.Door;
using KvsEdge.Triggers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Triggers;

/// <summary>Several GPIO triggers at once (a doorbell and a PIR) on one chip, each naming itself in its trigger.</summary>
public sealed class GpioTriggerListTests
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_doorbell_and_a_pir_firing_together_give_one_trigger_each_naming_its_input()
    {
        var triggers = new TriggerChannel(_time);
        var driver = new SimulatedGpioDriver(_time);
        using var gpio = new GpioController(driver);
        using var doorbell = new GpioTriggerSource(
            new GpioTriggerOptions { Name = "doorbell", Pin = 13, ActiveLow = true, Pull = "up", Debounce = Debounce }, gpio, triggers, _time, NullLogger<GpioTriggerSource>.Instance);
        using var pir = new GpioTriggerSource(
            new GpioTriggerOptions { Name = "pir", Pin = 16, ActiveLow = false, Pull = "down", Debounce = Debounce }, gpio, triggers, _time, NullLogger<GpioTriggerSource>.Instance);
        await doorbell.StartAsync(CancellationToken.None);
        await pir.StartAsync(CancellationToken.None);

        driver.DriveInput(13, PinValue.Low); // pressed
        driver.DriveInput(16, PinValue.High); // motion
        _time.Advance(Debounce - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, triggers.Published);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(2, triggers.Published);
        var fired = new List<Trigger>();
        while (triggers.Reader.TryRead(out Trigger? t))
        {
            fired.Add(t);
        }

        Assert.Equal(["gpio:doorbell", "gpio:pir"], fired.Select(t => t.Input).Order());
        Assert.All(fired, t => Assert.Equal(TriggerKinds.Gpio, t.Kind));
        Assert.Contains(fired, t => t.Detail == "doorbell (pin 13)");

        await doorbell.StopAsync(CancellationToken.None);
        await pir.StopAsync(CancellationToken.None);
    }
}
