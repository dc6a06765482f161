using Sluice.Datasets;
using Xunit;

namespace Sluice.Tests.Datasets;

/// <summary>In cluster mode every process must place a key in the same shuffle partition: the hash may not depend on the process.</summary>
public sealed class KeyHashTests
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 200).Select(static i => $"word-{i}"), "", "ünïcødé", "a b c"];

    [Fact]
    public void TwoProcessesAndThisOnePlaceEveryStringKeyAndTupleKeyInTheSamePartition()
    {
        string app = Path.Combine(AppContext.BaseDirectory, "Sluice.TestApps.dll");
        var (code1, out1, err1) = ChildProcess.Run([app, "partitions", "16", .. Keys]);
        var (code2, out2, err2) = ChildProcess.Run([app, "partitions", "16", .. Keys]);
        Assert.True(code1 == 0, err1);
        Assert.True(code2 == 0, err2);

        var partitioner = new HashPartitioner(16);
        var here = Keys.Select((key, i) => $"{partitioner.GetPartition(key)} {partitioner.GetPartition((key, i + 2))}").ToArray();
        Assert.Equal(here, Lines(out1));
        Assert.Equal(here, Lines(out2));

        // Not a constant: the keys spread over the partitions.
        Assert.True(here.Distinct().Count() > 12, string.Join(", ", here.Distinct()));
    }

    [Fact]
    public void StringsTuplesAndPairsHashByValueAndIntegersHashToThemselves()
    {
        Assert.Equal(KeyHash.Of("abc"), KeyHash.Of(new string(['a', 'b', 'c'])));
        Assert.NotEqual(KeyHash.Of(("a", "b")), KeyHash.Of(("b", "a")));
        Assert.Equal(KeyHash.Of(("a", 1L)), KeyHash.Of(new KeyValuePair<string, long>("a", 1L)));
        Assert.Equal(KeyHash.Of("a"), KeyHash.Of<string?>("a"));
        Assert.Equal(0, KeyHash.Of<string?>(null));
        Assert.Equal(KeyHash.Of(7), KeyHash.Of<int?>(7));
        Assert.Equal(41, new HashPartitioner(100).GetPartition(41));
        Assert.Equal(41, new HashPartitioner(100).GetPartition(141L));
    }

    [Fact]
    public void SaysWhichKeyTypesHashAlikeInEveryProcess()
    {
        Assert.True(KeyHash.IsStable<string>());
        Assert.True(KeyHash.IsStable<(long, string)>());
        Assert.True(KeyHash.IsStable<KeyValuePair<string, (int, Guid)>>());
        Assert.True(KeyHash.IsStable<StableKey>());
        Assert.False(KeyHash.IsStable<PlainKey>());
        Assert.False(KeyHash.IsStable<(int, PlainKey)>());
        Assert.Equal(KeyHash.OfString("k") ^ 5, KeyHash.Of(new StableKey("k", 5)));
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private sealed record PlainKey(string Name);

    private sealed record StableKey(string Name, int N) : IStableHash
    {
        public int StableHashCode() => KeyHash.OfString(Name) ^ N;
    }
}
