using KvsEdge.Common;

namespace KvsEdge.Tests;

public class BackoffTests
{
    [Fact]
    public void Doubles_until_the_cap_and_stays_there()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), () => 0.999999);
        var delays = Enumerable.Range(0, 7).Select(_ => backoff.Next().TotalSeconds).ToArray();
        Assert.Equal(new[] { 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0 }, delays.Select(d => Math.Round(d, 3)));
    }

    [Fact]
    public void Jitter_keeps_each_delay_between_half_and_all_of_the_nominal_delay()
    {
        var low = new Backoff(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1), () => 0.0);
        Assert.Equal(TimeSpan.FromSeconds(1), low.Next());
        Assert.Equal(TimeSpan.FromSeconds(2), low.Next());

        var random = new Random(42);
        var jittered = new Backoff(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1), random.NextDouble);
        for (int i = 0; i < 50; i++)
        {
            TimeSpan nominal = jittered.NominalDelay;
            TimeSpan delay = jittered.Next();
            Assert.InRange(delay, nominal / 2, nominal);
        }
    }

    [Fact]
    public void Reset_starts_again_from_the_initial_delay()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), () => 0.999999);
        backoff.Next();
        backoff.Next();
        Assert.Equal(2, backoff.Attempt);
        backoff.Reset();
        Assert.Equal(TimeSpan.FromMilliseconds(100), backoff.NominalDelay);
    }

    [Fact]
    public void Huge_attempt_counts_do_not_overflow()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(5), () => 0.999999);
        for (int i = 0; i < 200; i++)
        {
            backoff.Next();
        }

        Assert.Equal(TimeSpan.FromMinutes(5), backoff.NominalDelay);
    }
}
