using BenchmarkDotNet.Attributes;
using Sluice.Streaming;

namespace Sluice.MicroBench;

/// <summary>
/// MapWithState's per-record lookup: one partition's state of 500,000 keys with <see cref="Depth"/> batch layers of
/// 50,000 updates over it, looked up for a batch's 50,000 keys, against the same lookups in one flat Dictionary (what a
/// hand-written loop pays).
/// </summary>
[MemoryDiagnoser]
public class StateMapBenchmarks
{
    private const int Keys = 500_000;
    private const int Updates = 50_000;

    private StateMap<int, long> _state = null!;
    private Dictionary<int, long> _flat = null!;
    private int[] _lookups = null!;

    /// <summary>Batch layers over the base table (at this shape the chain is flattened when a third layer would come).</summary>
    [Params(0, 1, 2)]
    public int Depth { get; set; }

    /// <summary>The layered state and the flat table, with the same contents.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        var map = new StateMap<int, long>();
        _flat = new Dictionary<int, long>(Keys);
        for (int k = 0; k < Keys; k++)
        {
            map.Put(k, 0, 0, existed: false);
            _flat[k] = 0;
        }

        for (int layer = 1; layer <= Depth; layer++)
        {
            map = map.Copy();
            for (int i = 0; i < Updates; i++)
            {
                int key = random.Next(Keys);
                map.Put(key, layer, layer, existed: true);
                _flat[key] = layer;
            }
        }

        map.Seal();
        _state = map.Copy();
        _lookups = Enumerable.Range(0, Updates).Select(_ => random.Next(Keys)).ToArray();
        if (LayeredLookups() != FlatLookups())
        {
            throw new InvalidOperationException("the layered state and the flat table disagree");
        }
    }

    /// <summary>A batch's lookups through the layers.</summary>
    [Benchmark]
    public long LayeredLookups()
    {
        long sum = 0;
        foreach (int key in _lookups)
        {
            if (_state.TryGet(key, out long value, out _))
            {
                sum += value;
            }
        }

        return sum;
    }

    /// <summary>The same lookups in one Dictionary.</summary>
    [Benchmark(Baseline = true)]
    public long FlatLookups()
    {
        long sum = 0;
        foreach (int key in _lookups)
        {
            if (_flat.TryGetValue(key, out long value))
            {
                sum += value;
            }
        }

        return sum;
    }
}
