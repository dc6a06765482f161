using Sluice.Datasets;
using Sluice.Scheduling;
using Sluice.Shared;
using Sluice.Streaming;

namespace Sluice.Tests.Recovery;

/// <summary>
/// Spark's recipe for broadcasts and accumulators in a recoverable program: they are not in the checkpoint, so they are
/// made lazily, on first use, for the context of the dataset at hand; after a restart from the checkpoint the recipe
/// makes them again for the new context and the counts are those of the new run.
/// </summary>
public sealed class SharedVariableRecoveryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-shared-recovery-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Input => Path.Combine(_root, "in");

    private string Checkpoint => Path.Combine(_root, "checkpoint");

    /// <summary>The recipe: one instance per program, re-made when the context changed.</summary>
    private sealed class ExcludeList
    {
        private readonly object _gate = new();
        private Broadcast<HashSet<string>>? _instance;

        public int Made { get; private set; }

        public Broadcast<HashSet<string>> Get(SluiceContext sc)
        {
            var current = Volatile.Read(ref _instance);
            if (current is null || current.Context != sc)
            {
                lock (_gate)
                {
                    if (_instance is null || _instance.Context != sc)
                    {
                        _instance = sc.Broadcast(new HashSet<string> { "a", "the", "of" });
                        Made++;
                    }
                }
            }

            return _instance!;
        }
    }

    private sealed class DroppedCounter
    {
        private readonly object _gate = new();
        private LongAccumulator? _instance;

        public LongAccumulator Get(SluiceContext sc)
        {
            lock (_gate)
            {
                if (_instance is null || _instance.Context != sc)
                {
                    _instance = sc.LongAccumulator("DroppedWordsCounter");
                }

                return _instance;
            }
        }

        public LongAccumulator? Current
        {
            get
            {
                lock (_gate)
                {
                    return _instance;
                }
            }
        }
    }

    private void Drop(string name, params string[] lines)
    {
        string temporary = Path.Combine(Input, "." + name);
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, Path.Combine(Input, name));
    }

    private static readonly HashSet<string> Excluded = ["a", "the", "of"];

    private static long ExcludedWords(IEnumerable<string> lines) => lines.SelectMany(l => l.Split(' ')).Count(Excluded.Contains);

    [Fact(Timeout = 120_000)]
    public async Task TheLazySingletonIsMadeAgainAfterRecoveryAndCountsTheNewRun()
    {
        await Task.Yield();
        Directory.CreateDirectory(Input);
        var exclude = new ExcludeList();
        var dropped = new DroppedCounter();
        var counted = new List<(long Time, Dictionary<string, int> Counts)>();
        void Build(StreamingContext ssc) =>
            ssc.TextFileStream(Input).Map(l => l).Checkpoint(TimeSpan.FromSeconds(1)).ForeachRDD((rdd, time) =>
            {
                var excluded = exclude.Get(rdd.Context);
                var counter = dropped.Get(rdd.Context);
                var counts = rdd.FlatMap(l => l.Split(' '))
                    .Filter(w =>
                    {
                        if (excluded.Value.Contains(w))
                        {
                            counter.Add(1);
                            return false;
                        }

                        return true;
                    })
                    .Map(w => (w, 1)).ReduceByKey((a, b) => a + b).CollectAsMap();
                lock (counted)
                {
                    counted.Add((time.Milliseconds, counts));
                }
            });

        string[] first = ["the cat sat on a mat", "a dog of the house"];
        string[] second = ["of mice and men", "the end"];
        LongAccumulator firstRun;
        using (var h = StreamingHarness.Recoverable(Checkpoint, Build))
        {
            h.Start();
            Drop("one.txt", first);
            h.RunBatch();
            Drop("two.txt", second);
            h.RunBatch();
            firstRun = dropped.Current!;
            Assert.Equal(ExcludedWords(first.Concat(second)), firstRun.Value);
            Assert.Equal(1, exclude.Made);
        }

        // Dropped while the program is down; the restarted program must count it, and only it.
        string[] third = ["a tale of two cities", "the quick brown fox"];
        Drop("three.txt", third);
        lock (counted)
        {
            counted.Clear();
        }

        using (var h = StreamingHarness.Recoverable(Checkpoint, Build, startMillis: 2000))
        {
            Assert.NotNull(h.Context.ZeroTime is null ? (object)"not started" : null);
            h.Start();
            h.RunBatch();
            var secondRun = dropped.Current!;
            Assert.NotSame(firstRun, secondRun);
            Assert.Same(h.Context.SluiceContext, secondRun.Context);
            Assert.Equal(2, exclude.Made);
            Assert.Equal(ExcludedWords(third), secondRun.Value);
            lock (counted)
            {
                var words = counted.SelectMany(c => c.Counts).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));
                var expected = third.SelectMany(l => l.Split(' ')).Where(w => !Excluded.Contains(w)).GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());
                Assert.Equal(expected.OrderBy(kv => kv.Key), words.OrderBy(kv => kv.Key));
            }
        }

        // The first run's accumulator kept its own count.
        Assert.Equal(ExcludedWords(first.Concat(second)), firstRun.Value);
    }
}
