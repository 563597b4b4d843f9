using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Deckhand.Bench;

/// <summary>One line of the results table. Times are in the unit named by <see cref="Unit"/>.</summary>
internal sealed record Row(string Measure, string Unit, int N, double Median, double? P90 = null, double? P99 = null)
{
    /// <summary>The goal from PERFORMANCE.md, e.g. "≤ 5 ms"; empty when the figure is context, not a target.</summary>
    public string Target { get; init; } = "";

    /// <summary>Null when there is no target to meet.</summary>
    public bool? Met { get; init; }

    public string Note { get; init; } = "";

    public static Row Of(string measure, string unit, IReadOnlyCollection<double> samples) =>
        new(measure, unit, samples.Count, Stats.Percentile(samples, 50), Stats.Percentile(samples, 90), Stats.Percentile(samples, 99));

    /// <summary>Sets the target and whether the median meets it (lower is better).</summary>
    public Row AtMost(double limit, string target) => this with { Target = target, Met = Median <= limit };
}

internal static class Stats
{
    /// <summary>Nearest-rank percentile.</summary>
    public static double Percentile(IReadOnlyCollection<double> samples, double percent)
    {
        if (samples.Count == 0)
            return double.NaN;
        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double Median(IReadOnlyCollection<double> samples) => Percentile(samples, 50);

    public static double Ms(long startTimestamp, long endTimestamp) =>
        (endTimestamp - startTimestamp) * 1000.0 / Stopwatch.Frequency;

    public static double MsSince(long startTimestamp) => Ms(startTimestamp, Stopwatch.GetTimestamp());
}

internal static class Table
{
    public static string Markdown(IEnumerable<Row> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| measure | unit | n | median | p90 | p99 | target | met | note |");
        text.AppendLine("|---|---|--:|--:|--:|--:|---|---|---|");
        foreach (var row in rows)
        {
            var met = row.Met switch { true => "yes", false => "**no**", null => "" };
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Measure} | {row.Unit} | {row.N} | {Format(row.Median)} | {Format(row.P90)} | {Format(row.P99)} | {row.Target} | {met} | {row.Note} |");
        }
        return text.ToString();
    }

    private static string Format(double? value) => value switch
    {
        null => "",
        double.NaN => "–",
        >= 100 => value.Value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
