using BenchmarkDotNet.Attributes;
using Sluice.Storage;

namespace Sluice.MicroBench;

/// <summary>
/// Block serialization through <see cref="RecordSerializer"/>, the path of serialized storage levels, spill files and
/// the write-ahead log: a block of words and a block of (word, count) pairs, serialized and read back.
/// </summary>
[MemoryDiagnoser]
public class SerializationBenchmarks
{
    private string[] _words = null!;
    private (string, long)[] _pairs = null!;

    /// <summary>Records per block.</summary>
    [Params(10_000)]
    public int Records { get; set; }

    /// <summary>Blocks of random words from a 100,000-word vocabulary, with a fixed seed.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        _words = Enumerable.Range(0, Records).Select(_ => "w" + random.Next(100_000)).ToArray();
        _pairs = _words.Select(w => (w, (long)random.Next())).ToArray();
        if (!RoundTripWords().SequenceEqual(_words) || !RoundTripPairs().SequenceEqual(_pairs))
        {
            throw new InvalidOperationException("a serializer round trip changed the block");
        }
    }

    /// <summary>A block of strings, serialized and deserialized.</summary>
    [Benchmark]
    public string[] RoundTripWords() => RecordSerializer.Instance.Deserialize<string>(RecordSerializer.Instance.Serialize(_words));

    /// <summary>A block of (string, long) pairs, serialized and deserialized.</summary>
    [Benchmark]
    public (string, long)[] RoundTripPairs() => RecordSerializer.Instance.Deserialize<(string, long)>(RecordSerializer.Instance.Serialize(_pairs));

    /// <summary>Serialization alone, for the write-only paths (write-ahead log, spill).</summary>
    [Benchmark]
    public int SerializePairs() => RecordSerializer.Instance.Serialize(_pairs).Length;
}
