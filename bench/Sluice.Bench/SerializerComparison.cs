using System.Text.Json;
using MemoryPack;

namespace Sluice.Bench;

/// <summary>Block serialization: the two serializers considered for serialized storage levels, spill files and the write-ahead log.</summary>
internal static class SerializerComparison
{
    private static readonly JsonSerializerOptions Json = new() { IncludeFields = true };

    public static IEnumerable<Measurement> Run(int records)
    {
        var random = new Random(3);
        var block = Enumerable.Range(0, records).Select(i => ($"w{random.Next(100_000)}", (long)random.Next())).ToArray();
        var rows = new List<Measurement>();
        const int rounds = 10;
        long memoryPackBytes = 0;
        rows.Add(Measurement.Run("Block serialization (string, long)", "MemoryPack", (long)records * rounds, () =>
        {
            for (int r = 0; r < rounds; r++)
            {
                var bytes = MemoryPackSerializer.Serialize(block);
                memoryPackBytes = bytes.Length;
                var back = MemoryPackSerializer.Deserialize<(string, long)[]>(bytes)!;
                if (back.Length != block.Length || back[^1] != block[^1])
                {
                    throw new InvalidOperationException("MemoryPack round trip differs");
                }
            }
        }));
        rows[^1] = rows[^1] with { Note = $"{(double)memoryPackBytes / records:F1} bytes/record serialized" };

        long jsonBytes = 0;
        rows.Add(Measurement.Run("Block serialization (string, long)", "System.Text.Json", (long)records * rounds, () =>
        {
            for (int r = 0; r < rounds; r++)
            {
                var bytes = JsonSerializer.SerializeToUtf8Bytes(block, Json);
                jsonBytes = bytes.Length;
                var back = JsonSerializer.Deserialize<(string, long)[]>(bytes, Json)!;
                if (back.Length != block.Length || back[^1] != block[^1])
                {
                    throw new InvalidOperationException("System.Text.Json round trip differs");
                }
            }
        }));
        rows[^1] = rows[^1] with { Note = $"{(double)jsonBytes / records:F1} bytes/record serialized" };
        return rows;
    }
}
