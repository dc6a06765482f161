using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Sluice.Bench;

// dotnet run -c Release --project bench/Sluice.Bench -- [workload] [--size N] [--cores N]
string workload = "all";
int size = 10;
int cores = Environment.ProcessorCount;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--size" when i + 1 < args.Length:
            size = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--cores" when i + 1 < args.Length:
            cores = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--help" or "-h":
            Console.WriteLine("usage: Sluice.Bench [all|grep|wordcount|windowed|stateful|ingest|latency|burst|serializer|kafka|postgres|empty] [--size batches] [--cores N]");
            return 0;
        default:
            workload = args[i].ToLowerInvariant();
            break;
    }
}

bool Wants(string name) => workload == "all" || workload == name;
var rows = new List<Measurement>();
string[][]? lines = null;
string[][] Lines() => lines ??= Workload.Generate(size, 100_000);

// Every contender first runs 40 small batches, so that the measured run sees JIT-optimized code for all of them:
// tiered compilation optimizes a method after about 30 calls, and an engine calls its per-batch code once a batch. With
// a 3-batch warm-up the measured Sluice runs were mostly tier-0 code (Grep: 6 ms a batch against 1.4 ms warm).
static string[][] WarmUp(string[][] batches, int count, int linesEach) =>
    batches.SelectMany(b => b.Chunk(linesEach)).Take(count).ToArray();

if (Wants("grep"))
{
    // A Grep batch takes a loop about a millisecond: the batches are run five times over, so that one run's timer,
    // GC and scheduling hiccups do not decide the ratio.
    _ = GrepAndWordCount.Grep(WarmUp(Lines(), 40, 2_500), cores);
    rows.AddRange(GrepAndWordCount.Grep([.. Enumerable.Repeat(Lines(), 5).SelectMany(static b => b)], cores));
}

if (Wants("wordcount"))
{
    _ = GrepAndWordCount.WordCount(WarmUp(Lines(), 40, 2_500), cores);
    rows.AddRange(GrepAndWordCount.WordCount(Lines(), cores));
}

if (Wants("windowed"))
{
    // 40 batches of 10,000 lines: the window fills (30) and then slides.
    var small = Workload.Generate(40, 10_000, seed: 7);
    _ = WindowedWordCount.Run(WarmUp(small, 40, 250), cores);
    rows.AddRange(WindowedWordCount.Run(small, cores));
}

if (Wants("stateful"))
{
    // 1,000,000 keys in the state, 100,000 updates per batch, one batch per --size step. The warm-up runs every
    // contender on a small key space, enough to JIT their paths without paying for a second million-key state.
    _ = StatefulCount.Run(StatefulCount.Generate(40, 10_000, 1_000), 10_000, cores);
    rows.AddRange(StatefulCount.Run(StatefulCount.Generate(size, 1_000_000, 100_000), 1_000_000, cores));
}

if (Wants("ingest"))
{
    // A small run first, as every workload has: without it the receiver's code was compiled inside the measured run
    // (a third of Sluice's samples there were the JIT).
    _ = SocketWorkloads.Ingest(100_000, cores);
    rows.AddRange(SocketWorkloads.Ingest(size * 200_000, cores));
}

if (Wants("latency"))
{
    _ = SocketWorkloads.Latency(200_000, 1, cores);
    rows.AddRange(SocketWorkloads.Latency(1_000_000, Math.Max(3, size / 2), cores));
}

if (Wants("burst"))
{
    rows.AddRange(BackpressureBurst.Run(cores, 10));
    rows.AddRange(BurstMemory.Run(25));
}

if (Wants("serializer"))
{
    _ = SerializerComparison.Run(10_000);
    rows.AddRange(SerializerComparison.Run(200_000));
}

if (Wants("kafka"))
{
    // The mock keeps about 5 MiB per partition: 60,000 records of ~40 bytes each stay whole.
    rows.AddRange(KafkaDirectRead.Run(partitions: 4, perPartition: 60_000, rounds: 3, cores));
}

if (Wants("postgres"))
{
    rows.AddRange(PostgresSinkBench.Run(size, 100_000, cores));
}

if (Wants("empty"))
{
    rows.AddRange(SchedulingOverhead.EmptyBatches(size * 100, cores));
}

AkkaStreamsHost.Shutdown();

var table = new StringBuilder();
table.AppendLine($"Machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}; run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; size {size}");
table.AppendLine();
table.AppendLine("| workload | contender | records/s | × parallel loop | × Rx.NET | bytes alloc/record | peak heap MiB | GC pause % | note |");
table.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---|");
foreach (var row in rows)
{
    var baseline = rows.FirstOrDefault(r => r.Workload == row.Workload && r.Contender == "hand-written loop (parallel)");
    var rx = rows.FirstOrDefault(r => r.Workload == row.Workload && r.Contender == "Rx.NET");
    string ratio = baseline is null ? "" : (row.RecordsPerSecond / baseline.RecordsPerSecond).ToString("F2", CultureInfo.InvariantCulture);
    string rxRatio = rx is null ? "" : (row.RecordsPerSecond / rx.RecordsPerSecond).ToString("F2", CultureInfo.InvariantCulture);
    table.AppendLine(string.Create(CultureInfo.InvariantCulture,
        $"| {row.Workload} | {row.Contender} | {row.RecordsPerSecond:N0} | {ratio} | {rxRatio} | {row.BytesPerRecord:F1} | {row.PeakHeapBytes / (1024.0 * 1024):F0} | {100 * row.GcPause / row.Elapsed:F0} | {row.Note} |"));
}

Console.WriteLine(table);
string resultsPath = Path.Combine(FindRepoRoot(), "bench", "RESULTS.md");
File.WriteAllText(resultsPath, "# Benchmark results\n\nWritten by `dotnet run -c Release --project bench/Sluice.Bench`. Ratios compare contenders measured in the same run.\n\n" + table);
Console.WriteLine($"written to {resultsPath}");
return 0;

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sluice.sln")))
    {
        dir = dir.Parent;
    }

    return dir?.FullName ?? Directory.GetCurrentDirectory();
}
