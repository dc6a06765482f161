using BenchmarkDotNet.Attributes;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.MicroBench;

/// <summary>
/// FlatMap and FlatMapValues, each producing two records per input record, counted; against the same expansion written
/// by hand: the difference is what the operator adds per produced record (an enumerator, a pairing closure).
/// </summary>
[MemoryDiagnoser]
public class FlatMapBenchmarks
{
    private SluiceContext _context = null!;
    private (int, long)[] _data = null!;
    private Rdd<(int, long)> _pairs = null!;

    /// <summary>Number of input records.</summary>
    [Params(1_000_000)]
    public int Records { get; set; }

    /// <summary>A local[2] context and the parallelized input.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _context = new SluiceContext(new SluiceConf(loadDefaults: false).SetMaster("local[2]").Set(ConfigKeys.LogLevel, "error"));
        _data = Enumerable.Range(0, Records).Select(i => (i % 1000, (long)i)).ToArray();
        _pairs = _context.Parallelize(_data, 2);
        if (FlatMapValues() != HandWritten() || FlatMap() != HandWritten())
        {
            throw new InvalidOperationException("the operators and the hand-written loop disagree");
        }
    }

    /// <summary>Stops the context.</summary>
    [GlobalCleanup]
    public void Cleanup() => _context.Dispose();

    /// <summary>FlatMapValues to two values per record, then a count of the positive ones.</summary>
    [Benchmark]
    public long FlatMapValues() => _pairs.FlatMapValues(v => new[] { v, -v }).Filter(kv => kv.Value >= 0).Count();

    /// <summary>FlatMap to two pairs per record, then the same count.</summary>
    [Benchmark]
    public long FlatMap() => _pairs.FlatMap(kv => new[] { kv, (kv.Item1, -kv.Item2) }).Filter(kv => kv.Item2 >= 0).Count();

    /// <summary>The same expansion and count as one loop on the calling thread.</summary>
    [Benchmark(Baseline = true)]
    public long HandWritten()
    {
        long n = 0;
        foreach (var (k, v) in _data)
        {
            foreach (long x in new[] { v, -v })
            {
                if (x >= 0)
                {
                    n++;
                }
            }
        }

        return n;
    }
}
