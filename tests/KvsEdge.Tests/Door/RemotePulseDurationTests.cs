using System.Device.Gpio;
using KvsEdge.Door;
using KvsEdge.TestSupport;

namespace KvsEdge.Tests.Door;

/// <summary>A pulse length from remote configuration never exceeds the local file's Door:MaxPulseDuration (safety rule 9).</summary>
public sealed class RemotePulseDurationTests
{
    [Fact]
    public async Task A_remote_pulse_longer_than_the_local_maximum_is_clamped_to_it()
    {
        await using var h = new DoorHarness(o => o.MaxPulseDuration = TimeSpan.FromSeconds(10));
        await h.StartAsync();
        Assert.Equal(TimeSpan.FromSeconds(10), h.Door.UsePulseDuration(TimeSpan.FromMinutes(1)));
        DateTimeOffset t0 = h.Time.GetUtcNow();

        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        await h.WaitForStateAsync(DoorState.Locked);
        Assert.Equal(new PinTransition(DoorHarness.RelayPin, PinValue.Low, t0 + TimeSpan.FromSeconds(10)), h.Driver.TransitionsOf(DoorHarness.RelayPin)[^1]);
    }

    [Fact]
    public async Task A_remote_pulse_within_bounds_is_used_for_the_next_unlock()
    {
        await using var h = new DoorHarness();
        await h.StartAsync();
        Assert.Equal(TimeSpan.FromSeconds(5), h.Door.UsePulseDuration(TimeSpan.FromSeconds(5)));
        Assert.Equal(DoorOptions.MinimumDuration, h.Door.UsePulseDuration(TimeSpan.Zero));
        h.Door.UsePulseDuration(TimeSpan.FromSeconds(5));
        DateTimeOffset t0 = h.Time.GetUtcNow();

        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await h.AdvanceAsync(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.Equal(DoorState.Unlocked, h.Door.State);
        await h.AdvanceAsync(TimeSpan.FromTicks(1));
        await h.WaitForStateAsync(DoorState.Locked);
        Assert.Equal(new PinTransition(DoorHarness.RelayPin, PinValue.Low, t0 + TimeSpan.FromSeconds(5)), h.Driver.TransitionsOf(DoorHarness.RelayPin)[^1]);
    }
}
