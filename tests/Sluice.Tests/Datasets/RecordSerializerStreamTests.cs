using Sluice.Storage;

namespace Sluice.Tests.Datasets;

public sealed class RecordSerializerStreamTests
{
    public sealed record NotPackable(string Name, List<int> Values);

    [Fact]
    public void WritingToAStreamGivesTheBytesOfSerializeForPackableAndJsonRecords()
    {
        // Far larger than the writer's 64 KB buffer, with a long array of unmanaged values that MemoryPack asks room for in one piece.
        var pairs = Enumerable.Range(0, 100_000).Select(i => ("w" + i, (long)i * 7)).ToArray();
        var longs = Enumerable.Range(0, 300_000).Select(i => (long)i).ToArray();
        var records = Enumerable.Range(0, 3_000).Select(i => new NotPackable("r" + i, [i, i + 1])).ToArray();

        AssertSameBytes(pairs);
        AssertSameBytes(longs);
        AssertSameBytes(records);
        AssertSameBytes(Array.Empty<string>());

        var stream = new MemoryStream();
        RecordSerializer.Instance.Serialize(records, stream);
        Assert.Equal(records.Select(r => (r.Name, string.Join(",", r.Values))), RecordSerializer.Instance.Deserialize<NotPackable>(stream.ToArray()).Select(r => (r.Name, string.Join(",", r.Values))));
    }

    private static void AssertSameBytes<T>(T[] values)
    {
        var stream = new MemoryStream();
        RecordSerializer.Instance.Serialize(values, stream);
        Assert.Equal(RecordSerializer.Instance.Serialize(values), stream.ToArray());
    }
}
