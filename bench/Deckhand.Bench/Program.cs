using System.Runtime.InteropServices;
using Deckhand.Bench;

// dotnet run -c Release --project bench/Deckhand.Bench -- [all|steps|start|memory|replay|tools|sandbox] [--quick]
var quick = args.Contains("--quick");
var which = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
var benches = new (string Name, Func<bool, Task<List<Row>>> Run)[]
{
    ("steps", StepsBench.RunAsync),
    ("start", StartBench.RunAsync),
    ("memory", MemoryBench.RunAsync),
    ("replay", ReplayBench.RunAsync),
    ("tools", ToolsBench.RunAsync),
    ("sandbox", SandboxBench.RunAsync),
};
if (which != "all" && !benches.Any(b => b.Name == which))
{
    await Console.Error.WriteLineAsync("usage: Deckhand.Bench [all|steps|start|memory|replay|tools|sandbox] [--quick]");
    return 2;
}

Console.WriteLine($"Deckhand bench: {which}{(quick ? " (quick)" : "")}, {RuntimeInformation.FrameworkDescription}, " +
    $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
var rows = new List<Row>();
var failed = false;
foreach (var (name, run) in benches.Where(b => which == "all" || b.Name == which))
{
    await Console.Error.WriteLineAsync($"running {name} ...");
    try
    {
        rows.AddRange(await run(quick));
    }
    catch (Exception ex)
    {
        failed = true;
        await Console.Error.WriteLineAsync($"{name} failed: {ex}");
        rows.Add(new Row($"{name}: FAILED", "", 0, double.NaN) { Note = ex.GetType().Name + ": " + ex.Message.ReplaceLineEndings(" ") });
    }
}
Console.WriteLine();
Console.WriteLine(Table.Markdown(rows));
return failed ? 1 : 0;
