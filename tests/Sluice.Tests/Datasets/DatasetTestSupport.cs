using System.Text;
using Sluice.Configuration;
using Sluice.Scheduling;

namespace Sluice.Tests.Datasets;

/// <summary>
/// Base of the dataset tests: a local[2] context per test, disposed afterwards. Disposal also checks that no shuffle
/// output outlived the jobs of the test.
/// </summary>
public abstract class DatasetTest : IDisposable
{
    private bool _disposed;

    protected DatasetTest() => Sc = NewContext();

    protected SluiceContext Sc { get; }

    public static SluiceContext NewContext(Action<SluiceConf>? configure = null)
    {
        var conf = new SluiceConf(loadDefaults: false).SetMaster("local[2]");
        configure?.Invoke(conf);
        return new SluiceContext(conf);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            Assert.Equal(0, Sc.ShuffleManager.ActiveShuffles);
        }
        finally
        {
            Sc.Dispose();
            OnDispose();
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>Cleans up what a test class created besides the context.</summary>
    protected virtual void OnDispose() { }
}

/// <summary>The inputs every operator is checked on: no records, fewer records than partitions, and more records than a chunk.</summary>
public static class Inputs
{
    public static readonly int[] Empty = [];

    /// <summary>Three records: with 8 partitions, five of them are empty.</summary>
    public static readonly int[] Three = [5, -3, 9];

    /// <summary>3000 records with repeats and negatives, more than one chunk (1024) per partition.</summary>
    public static readonly int[] Many = [.. Enumerable.Range(0, 3000).Select(i => (int)(i * 7919L % 1000) - 300)];

    public static IEnumerable<(string Name, int[] Data)> Ints => [("empty", Empty), ("three", Three), ("many", Many)];

    /// <summary>Key-value records whose keys collide: seven distinct keys.</summary>
    public static (string, int)[] Pairs(int[] data) => [.. data.Select(x => ("k" + Math.Abs(x % 7), x))];

    /// <summary>Another keyed input that shares some keys with <see cref="Pairs"/> and has keys of its own.</summary>
    public static (string, string)[] OtherPairs(int[] data) =>
        [.. data.Where((_, i) => i % 2 == 0).Select(x => (x % 3 == 0 ? "z" + Math.Abs(x % 4) : "k" + Math.Abs(x % 5), "v" + x))];

    /// <summary>
    /// How a parallelized collection is cut into partitions (Spark's ParallelCollectionRDD.slice): partition i holds
    /// elements [i*n/p, (i+1)*n/p).
    /// </summary>
    public static T[][] Slices<T>(IReadOnlyList<T> data, int partitions) =>
        [.. Enumerable.Range(0, partitions).Select(i =>
        {
            int start = (int)((long)i * data.Count / partitions);
            int end = (int)((long)(i + 1) * data.Count / partitions);
            return data.Skip(start).Take(end - start).ToArray();
        })];
}

/// <summary>Assertions that report which input failed and what differs.</summary>
public static class Expect
{
    /// <summary>Same records in the same order.</summary>
    public static void SameSequence<T>(IEnumerable<T> expected, IEnumerable<T> actual, string label)
    {
        var e = expected.ToList();
        var a = actual.ToList();
        if (e.Count != a.Count)
        {
            Assert.Fail($"{label}: expected {e.Count} records, got {a.Count}; expected {Show(e)}, got {Show(a)}");
        }

        var comparer = EqualityComparer<T>.Default;
        for (int i = 0; i < e.Count; i++)
        {
            if (!comparer.Equals(e[i], a[i]))
            {
                Assert.Fail($"{label}: record {i} differs: expected {e[i]}, got {a[i]}; expected {Show(e)}, got {Show(a)}");
            }
        }
    }

    /// <summary>Same records with the same multiplicities, in any order.</summary>
    public static void SameMultiset<T>(IEnumerable<T> expected, IEnumerable<T> actual, string label)
        where T : notnull
    {
        var e = Counts(expected);
        var a = Counts(actual);
        var missing = e.Where(kv => a.GetValueOrDefault(kv.Key) < kv.Value)
            .Select(kv => $"{kv.Key} x{kv.Value - a.GetValueOrDefault(kv.Key)}").ToList();
        var extra = a.Where(kv => e.GetValueOrDefault(kv.Key) < kv.Value)
            .Select(kv => $"{kv.Key} x{kv.Value - e.GetValueOrDefault(kv.Key)}").ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            Assert.Fail($"{label}: multisets differ; missing [{string.Join(", ", missing.Take(20))}], unexpected [{string.Join(", ", extra.Take(20))}]");
        }
    }

    public static void Equal<T>(T expected, T actual, string label)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            Assert.Fail($"{label}: expected {expected}, got {actual}");
        }
    }

    private static Dictionary<T, int> Counts<T>(IEnumerable<T> items)
        where T : notnull
    {
        var counts = new Dictionary<T, int>();
        foreach (var item in items)
        {
            counts[item] = counts.GetValueOrDefault(item) + 1;
        }

        return counts;
    }

    private static string Show<T>(List<T> items)
    {
        var sb = new StringBuilder("[");
        sb.AppendJoin(", ", items.Take(20));
        if (items.Count > 20)
        {
            sb.Append(", …");
        }

        return sb.Append(']').ToString();
    }
}
