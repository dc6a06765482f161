using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Tests.Recovery;

/// <summary>
/// Every stateful operator survives a stop and a restart from its checkpoint: the restarted program's output continues
/// exactly as one uninterrupted run's would (LINQ over the files of each batch). The restart falls between two data
/// checkpoints (10 s default interval, stop at 13 s), so the state is read back and the batches after it recomputed.
/// </summary>
public sealed class StatefulCheckpointRoundTripTests : IDisposable
{
    private const int FirstRun = 13;
    private const int Total = 20;
    private const int WindowBatches = 3;
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-roundtrip-").FullName;

    public static TheoryData<string> Operators => ["UpdateStateByKey", "MapWithState", "ReduceByKeyAndWindow", "CountByValueAndWindow", "CountByWindow"];

    private static DStream<string> Build(string op, DStream<string> lines)
    {
        var words = lines.FlatMap(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var window = TimeSpan.FromSeconds(WindowBatches);
        var slide = TimeSpan.FromSeconds(1);
        return op switch
        {
            "UpdateStateByKey" => words.Map(w => (w, 1L))
                .UpdateStateByKey<string, long, long>((values, state) => new Optional<long>(state.GetValueOrDefault(0) + values.Sum()), 3)
                .Map(kv => $"{kv.Item1}={kv.Item2}"),
            "MapWithState" => words.Map(w => (w, 1L))
                .MapWithState(StateSpec.Function<string, long, long, string>((w, one, state) =>
                {
                    state.Update(state.GetOption().GetValueOrDefault(0) + one.Value);
                    return w;
                }).NumPartitions(3))
                .StateSnapshots().Map(kv => $"{kv.Item1}={kv.Item2}"),
            "ReduceByKeyAndWindow" => words.Map(w => (w, 1L))
                .ReduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, window, slide, 3, kv => kv.Item2 != 0)
                .Map(kv => $"{kv.Item1}={kv.Item2}"),
            "CountByValueAndWindow" => words.CountByValueAndWindow(window, slide, 2).Map(kv => $"{kv.Item1}={kv.Item2}"),
            "CountByWindow" => words.CountByWindow(window, slide).Map(n => $"count={n}"),
            _ => throw new ArgumentException(op),
        };
    }

    private static IEnumerable<string> Reference(string op, string[][] batches, int upTo)
    {
        bool cumulative = op is "UpdateStateByKey" or "MapWithState";
        var words = batches.Take(upTo).Skip(cumulative ? 0 : Math.Max(0, upTo - WindowBatches))
            .SelectMany(lines => lines).SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        return op == "CountByWindow"
            ? [$"count={words.Count}"]
            : words.GroupBy(w => w).Select(g => $"{g.Key}={g.Count()}");
    }

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Operators))]
    public async Task OutputContinuesExactlyAfterARestart(string op)
    {
        await Task.Yield();
        string input = Path.Combine(_root, "in");
        string checkpoint = Path.Combine(_root, "checkpoint");
        Directory.CreateDirectory(input);
        var random = new Random(op.Length);
        var batches = Enumerable.Range(0, Total)
            .Select(_ => Enumerable.Range(0, random.Next(0, 4)).Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, 8)).Select(_ => $"w{random.Next(12)}"))).ToArray())
            .ToArray();
        var outputs = new System.Collections.Concurrent.ConcurrentDictionary<long, List<string>>();
        void Program(StreamingContext ssc) =>
            Build(op, ssc.TextFileStream(input)).ForeachRDD((rdd, time) => outputs[time.Milliseconds] = rdd.Collect());

        void Drop(int batch)
        {
            string temporary = Path.Combine(input, $".batch-{batch:D3}.txt");
            File.WriteAllLines(temporary, batches[batch]);
            File.Move(temporary, Path.Combine(input, $"batch-{batch:D3}.txt"));
        }

        using (var first = StreamingHarness.Recoverable(checkpoint, Program))
        {
            first.Start();
            for (int b = 0; b < FirstRun; b++)
            {
                Drop(b);
                first.RunBatch();
            }
        }

        Assert.True(Directory.EnumerateDirectories(Path.Combine(checkpoint, "rdds")).Any(), "a data checkpoint was written before the stop");
        using (var second = StreamingHarness.Recoverable(checkpoint, Program, startMillis: FirstRun * 1000L))
        {
            second.Start();
            for (int b = FirstRun; b < Total; b++)
            {
                Drop(b);
                second.RunBatch();
            }
        }

        for (int b = 1; b <= Total; b++)
        {
            Assert.True(outputs.TryGetValue(b * 1000L, out var output), $"{op}: no output for batch {b}");
            Assert.Equal(Reference(op, batches, b).Order(), output.Order());
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
