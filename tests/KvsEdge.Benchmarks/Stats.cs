using System.Globalization;

namespace KvsEdge.Benchmarks;

/// <summary>Latency summary in milliseconds; percentiles by nearest rank (an observed value, never interpolated).</summary>
internal sealed record Stats(int Count, double P50, double P90, double P99, double Max, double Min, double Mean)
{
    public static Stats? Of(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0)
        {
            return null;
        }

        double[] sorted = [.. samples.Order()];
        return new Stats(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.90), Rank(sorted, 0.99), sorted[^1], sorted[0], sorted.Average());
    }

    /// <summary>
    /// 95% interval of percentile(a) − percentile(b) by a paired bootstrap over records: with one poll phase per
    /// record and consumer, a few milliseconds of difference at n = 200 can be pure sampling noise.
    /// </summary>
    public static (double Low, double High) BootstrapDifference(IReadOnlyList<double> a, IReadOnlyList<double> b, double p, int seed)
    {
        const int Rounds = 2000;
        var random = new Random(seed); // not security: a reproducible resampling
        var differences = new double[Rounds];
        var x = new double[a.Count];
        var y = new double[a.Count];
        for (int round = 0; round < Rounds; round++)
        {
            for (int i = 0; i < x.Length; i++)
            {
                int pick = random.Next(x.Length);
                x[i] = a[pick];
                y[i] = b[pick];
            }

            Array.Sort(x);
            Array.Sort(y);
            differences[round] = Rank(x, p) - Rank(y, p);
        }

        Array.Sort(differences);
        return (differences[(int)(Rounds * 0.025)], differences[(int)(Rounds * 0.975) - 1]);
    }

    private static double Rank(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    public static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
