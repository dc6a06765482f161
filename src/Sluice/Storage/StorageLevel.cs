namespace Sluice.Storage;

/// <summary>Where and how a block or cached partition is kept: memory, disk, serialized or not, and how many copies.</summary>
public sealed record StorageLevel(bool UseMemory, bool UseDisk, bool Deserialized, int Replication = 1)
{
    /// <summary>Not persisted.</summary>
    public static readonly StorageLevel None = new(false, false, false);
    /// <summary>Objects in memory; a partition that does not fit is recomputed when needed.</summary>
    public static readonly StorageLevel MemoryOnly = new(true, false, true);
    /// <summary>Serialized bytes in memory: smaller, costs a deserialization on read.</summary>
    public static readonly StorageLevel MemoryOnlySer = new(true, false, false);
    /// <summary>Objects in memory, spilled to disk under memory pressure.</summary>
    public static readonly StorageLevel MemoryAndDisk = new(true, true, true);
    /// <summary>Serialized in memory, spilled to disk under memory pressure; the default for received blocks.</summary>
    public static readonly StorageLevel MemoryAndDiskSer = new(true, true, false);
    /// <summary>Serialized on disk only.</summary>
    public static readonly StorageLevel DiskOnly = new(false, true, false);
    /// <summary>Serialized in memory and disk with two copies (one in local mode until the cluster issue places replicas).</summary>
    public static readonly StorageLevel MemoryAndDiskSer2 = new(true, true, false, 2);

    /// <summary>True unless this is <see cref="None"/>.</summary>
    public bool IsValid => UseMemory || UseDisk;

    /// <inheritdoc />
    public override string ToString() => this == None
        ? "None"
        : $"{(UseMemory ? "Memory" : "")}{(UseMemory && UseDisk ? "And" : "")}{(UseDisk ? "Disk" : "")}{(UseMemory && !UseDisk ? "Only" : UseDisk && !UseMemory ? "Only" : "")}{(Deserialized || !UseMemory ? "" : "Ser")}{(Replication > 1 ? "_" + Replication : "")}";
}
