namespace Sluice.Cluster.Executors;

/// <summary>A piece of a blob: never more than <see cref="MaxBytes"/>, so no grain message comes near Orleans' message-size limit.</summary>
[GenerateSerializer, Immutable]
public sealed class Chunk
{
    /// <summary>The largest chunk: 1 MiB.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>The bytes from the offset asked for.</summary>
    [Id(0)] public byte[] Data { get; init; } = [];

    /// <summary>The blob's whole length.</summary>
    [Id(1)] public long Total { get; init; }

    /// <summary>Why there is no blob (gone or never written), or null.</summary>
    [Id(2)] public string? Missing { get; init; }
}
