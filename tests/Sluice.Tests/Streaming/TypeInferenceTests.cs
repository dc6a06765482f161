using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Tests.Streaming;

/// <summary>
/// Code a Spark user writes that must compile without type arguments: a method group given to StateSpec.Function, and
/// tuple element names used after ReduceByKey and the joins. This file compiling is half of each test; the run checks
/// the result against LINQ.
/// </summary>
public sealed class TypeInferenceTests : IDisposable
{
    private readonly string _checkpoint = Directory.CreateTempSubdirectory("sluice-inference-").FullName;

    public void Dispose() => Directory.Delete(_checkpoint, recursive: true);

    private static string RunningTotal(string key, Optional<int> value, State<int> state)
    {
        int sum = state.GetOption().GetValueOrDefault(0) + value.GetValueOrDefault(0);
        state.Update(sum);
        return $"{key}={sum}";
    }

    private static Optional<(string Key, int Total)> RunningTotalAt(Time time, string key, Optional<int> value, State<int> state)
    {
        int sum = state.GetOption().GetValueOrDefault(0) + value.GetValueOrDefault(0);
        state.Update(sum);
        return sum % 2 == 0 ? new Optional<(string, int)>((key, sum)) : Optional<(string, int)>.None;
    }

    [Fact(Timeout = 60_000)]
    public async Task AMethodGroupGivesStateSpecFunctionItsTypes()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        h.Context.Checkpoint(_checkpoint);
        (string, int)[][] batches = [[("a", 1), ("b", 2)], [("a", 3)], [("b", 5), ("c", 1)]];
        var queue = new Queue<Rdd<(string, int)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 2)));
        var pairs = h.Context.QueueStream(queue);

        // Each form a Spark program uses, with no type arguments.
        var plain = pairs.MapWithState(StateSpec.Function(RunningTotal));
        var withTime = pairs.MapWithState(StateSpec.Function(RunningTotalAt));
        var configured = pairs.MapWithState(StateSpec.Function(RunningTotal).NumPartitions(3).Timeout(TimeSpan.FromSeconds(30)));
        var initial = pairs.MapWithState(StateSpec.Function(RunningTotal).InitialState(h.Context.SluiceContext.Parallelize(new[] { ("a", 100) }, 1)));
        var plainOut = StreamingHarness.CollectEachBatch(plain);
        var withTimeOut = StreamingHarness.CollectEachBatch(withTime);
        var configuredOut = StreamingHarness.CollectEachBatch(configured);
        var initialOut = StreamingHarness.CollectEachBatch(initial);
        h.Start();
        var totals = new Dictionary<string, int>();
        var fromInitial = new Dictionary<string, int> { ["a"] = 100 };
        foreach (var batch in batches)
        {
            long time = h.RunBatch().BatchTime.Milliseconds;
            var expected = batch.Select(p => $"{p.Item1}={totals[p.Item1] = totals.GetValueOrDefault(p.Item1) + p.Item2}").Order().ToList();
            Assert.Equal(expected, plainOut[time].Order());
            Assert.Equal(expected, configuredOut[time].Order());
            Assert.Equal(batch.Select(p => $"{p.Item1}={fromInitial[p.Item1] = fromInitial.GetValueOrDefault(p.Item1) + p.Item2}").Order(), initialOut[time].Order());
            Assert.Equal(expected.Select(s => s.Split('=')).Where(s => int.Parse(s[1]) % 2 == 0).Select(s => $"{s[0]}:{s[1]}"),
                withTimeOut[time].Select(r => $"{r.Key}:{r.Total}").Order());
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task TupleNamesAreUsableAfterReduceByKeyAndTheJoins()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        string[] lines = ["a b a", "c b a"];
        var words = h.Context.QueueStream(new Queue<Rdd<string>>([h.Context.SluiceContext.Parallelize(lines, 2)]))
            .FlatMap(l => l.Split(' '))
            .Map(w => (Word: w, Count: 1));

        // The result's elements are named Key and Value; a declared type gives them the program's own names.
        var counts = words.ReduceByKey((a, b) => a + b);
        DStream<(string Word, int Count)> named = counts;
        var labels = counts.Map(c => (c.Key, Label: c.Key.ToUpperInvariant()));
        var joined = named.Join(labels).Map(j => $"{j.Key}:{j.Value.Left}:{j.Value.Right}");
        var outer = named.LeftOuterJoin(labels).Map(j => j.Value.Right.HasValue ? j.Value.Right.Value : "none");
        var grouped = words.GroupByKey().Map(g => $"{g.Key}x{g.Values.Count}");
        var joinedOut = StreamingHarness.CollectEachBatch(joined);
        var namedOut = StreamingHarness.CollectEachBatch(named.Map(c => $"{c.Word}={c.Count}"));
        var outerOut = StreamingHarness.CollectEachBatch(outer);
        var groupedOut = StreamingHarness.CollectEachBatch(grouped);
        h.Start();
        long time = h.RunBatch().BatchTime.Milliseconds;
        var reference = lines.SelectMany(l => l.Split(' ')).GroupBy(w => w).Select(g => (g.Key, g.Count())).ToList();
        Assert.Equal(reference.Select(r => $"{r.Key}={r.Item2}").Order(), namedOut[time].Order());
        Assert.Equal(reference.Select(r => $"{r.Key}:{r.Item2}:{r.Key.ToUpperInvariant()}").Order(), joinedOut[time].Order());
        Assert.Equal(reference.Select(r => r.Key.ToUpperInvariant()).Order(), outerOut[time].Order());
        Assert.Equal(reference.Select(r => $"{r.Key}x{r.Item2}").Order(), groupedOut[time].Order());

        // The same on datasets.
        var rdd = h.Context.SluiceContext.Parallelize(lines.SelectMany(l => l.Split(' ')).Select(w => (Word: w, Count: 1)), 2);
        Assert.Equal(reference.Select(r => $"{r.Key}={r.Item2}").Order(),
            rdd.ReduceByKey((a, b) => a + b).Join(rdd.FoldByKey(0, (a, b) => a + b)).Collect().Select(j => $"{j.Key}={j.Value.Left}").Order());
    }
}
