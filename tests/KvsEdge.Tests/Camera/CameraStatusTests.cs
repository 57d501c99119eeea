using KvsEdge.Camera;

namespace KvsEdge.Tests.Camera;

public sealed class CameraStatusTests
{
    [Fact]
    public void Payload_is_snake_case_with_rounded_fps_and_iso_ms()
    {
        var status = new CameraStatus(CameraState.Playing, "v4l2", "x264enc", ["kvs", "record"], 29.9666, 2011, 2, null,
            new DateTimeOffset(2026, 11, 25, 10, 0, 0, 123, TimeSpan.FromHours(1)));
        Assert.Equal(
            """{"state":"playing","source":"v4l2","encoder":"x264enc","sinks":["kvs","record"],"fps":30,"bitrate_kbps":2011,"restarts":2,"last_error":null,"updated_at":"2026-11-25T09:00:00.123Z"}""",
            status.ToJson());
    }

    [Fact]
    public void Error_payload_keeps_the_message()
    {
        var status = new CameraStatus(CameraState.Error, "test", null, [], 12.34, 0, 5, "kvssink: \"stream-error\"", DateTimeOffset.UnixEpoch);
        string json = status.ToJson();
        Assert.Contains("\"fps\":12.3", json, StringComparison.Ordinal);
        Assert.Contains("\"encoder\":null", json, StringComparison.Ordinal);
        Assert.Contains("\"last_error\":\"kvssink: \\u0022stream-error\\u0022\"", json, StringComparison.Ordinal);
    }
}

public sealed class FrameRateMeterTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void Steady_rate_over_the_window()
    {
        var meter = new FrameRateMeter(S(5));
        Assert.Equal(0, meter.Fps);
        for (int i = 0; i <= 20; i++)
        {
            // 30 fps, 250 000 bytes per second = 2000 kbit/s.
            meter.Add(S(i), i * 30L, i * 250_000L);
        }

        Assert.Equal(30, meter.Fps, 3);
        Assert.Equal(2000, meter.Kbps, 3);
    }

    [Fact]
    public void Window_forgets_old_rates()
    {
        var meter = new FrameRateMeter(S(2));
        long frames = 0;
        for (int i = 1; i <= 10; i++)
        {
            frames += 30;
            meter.Add(S(i), frames, 0);
        }

        for (int i = 11; i <= 14; i++)
        {
            frames += 10;
            meter.Add(S(i), frames, 0);
        }

        Assert.Equal(10, meter.Fps, 3);
    }

    [Fact]
    public void Stall_reads_zero_and_counter_reset_starts_over()
    {
        var meter = new FrameRateMeter(S(2));
        meter.Add(S(0), 0, 0);
        meter.Add(S(1), 30, 1000);
        meter.Add(S(2), 60, 2000);
        meter.Add(S(3), 60, 2000);
        meter.Add(S(4), 60, 2000);
        Assert.Equal(0, meter.Fps, 3);

        meter.Add(S(5), 5, 100);
        Assert.Equal(0, meter.Fps);
        meter.Add(S(6), 35, 100);
        Assert.Equal(30, meter.Fps, 3);
    }
}
