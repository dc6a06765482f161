using BenchmarkDotNet.Attributes;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.MicroBench;

/// <summary>
/// A chain of narrow operators (Map, Filter, Map, Filter) that the engine fuses into one loop per partition, against
/// the same loop written by hand over the same array: the difference is the engine's per-record and per-job overhead.
/// </summary>
[MemoryDiagnoser]
public class NarrowPipelineBenchmarks
{
    private SluiceContext _context = null!;
    private long[] _data = null!;
    private Rdd<long> _numbers = null!;
    private long _expected;

    /// <summary>Number of records in the dataset.</summary>
    [Params(1_000_000)]
    public int Records { get; set; }

    /// <summary>A local[2] context and the parallelized input.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _context = new SluiceContext(new SluiceConf(loadDefaults: false).SetMaster("local[2]").Set(ConfigKeys.LogLevel, "error"));
        _data = Enumerable.Range(0, Records).Select(i => (long)i).ToArray();
        _numbers = _context.Parallelize(_data, 2);
        _expected = HandWritten();
        if (Fused() != _expected)
        {
            throw new InvalidOperationException("the fused pipeline and the hand-written loop disagree");
        }
    }

    /// <summary>Stops the context.</summary>
    [GlobalCleanup]
    public void Cleanup() => _context.Dispose();

    /// <summary>The pipeline through the dataset API, counted: one job of two tasks.</summary>
    [Benchmark]
    public long Fused() => _numbers.Map(x => x * 3).Filter(x => x % 2 == 0).Map(x => x + 1).Filter(x => x % 5 != 0).Count();

    /// <summary>The same computation as one loop on the calling thread.</summary>
    [Benchmark(Baseline = true)]
    public long HandWritten()
    {
        long n = 0;
        foreach (long v in _data)
        {
            long x = v * 3;
            if (x % 2 == 0 && (x + 1) % 5 != 0)
            {
                n++;
            }
        }

        return n;
    }
}
