using BenchmarkDotNet.Attributes;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.MicroBench;

/// <summary>
/// The shuffle path: ReduceByKey of a word-count-like pair dataset (map-side combine, partitioned shuffle write,
/// fetch, reduce-side merge), collected to the driver.
/// </summary>
[MemoryDiagnoser]
public class ShuffleBenchmarks
{
    private SluiceContext _context = null!;
    private Rdd<(string, long)> _pairs = null!;
    private int _distinct;

    /// <summary>Number of pairs in the dataset.</summary>
    [Params(200_000)]
    public int Records { get; set; }

    /// <summary>Number of distinct keys among them.</summary>
    [Params(1_000, 50_000)]
    public int Keys { get; set; }

    /// <summary>A local[2] context and the parallelized input, built once per parameter set.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _context = new SluiceContext(new SluiceConf(loadDefaults: false).SetMaster("local[2]").Set(ConfigKeys.LogLevel, "error"));
        var random = new Random(5);
        var words = Enumerable.Range(0, Keys).Select(i => "w" + i).ToArray();
        var data = Enumerable.Range(0, Records).Select(_ => (words[random.Next(Keys)], 1L)).ToArray();
        _distinct = data.Select(p => p.Item1).Distinct().Count();
        _pairs = _context.Parallelize(data, 2);

        // Checked once, so that a benchmark that got faster by computing something else cannot go unnoticed.
        if (ReduceByKey() != _distinct)
        {
            throw new InvalidOperationException("ReduceByKey returned the wrong number of keys");
        }
    }

    /// <summary>Stops the context.</summary>
    [GlobalCleanup]
    public void Cleanup() => _context.Dispose();

    /// <summary>
    /// A new shuffled dataset per call: acting twice on one shuffled dataset would reuse its map output and measure
    /// only the reduce side.
    /// </summary>
    [Benchmark]
    public int ReduceByKey() => _pairs.ReduceByKey((a, b) => a + b).Collect().Count;
}
