using Sluice.Monitoring;

namespace Sluice.Storage;

/// <summary>
/// Stores blocks (received input, cached partitions): a memory store with a byte cap and least-recently-used eviction,
/// and a disk store that the *AndDisk levels spill to. Its own accounting (<see cref="MemoryUsed"/>) is what the cap bounds.
/// Input blocks on disk are bounded too (<see cref="MaxInputDisk"/>): receivers wait in <see cref="WaitForInputRoom"/>
/// while spilled input is at the bound, so unprocessed input is held back at its source instead of filling the disk.
/// </summary>
public sealed class BlockManager : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<BlockId, Entry> _entries = [];
    private readonly ISerializer _serializer;
    private readonly string _diskDirectory;
    private long _memoryUsed;
    private long _inputDiskUsed;
    private long _inputHolds;
    private long _tick;

    /// <summary>Creates a block manager with a memory cap and a directory for spilled blocks.</summary>
    public BlockManager(long maxMemoryBytes, string localDirectory, ISerializer? serializer = null, IBlockReplicator? replicator = null, long maxInputDiskBytes = 0)
    {
        Replicator = replicator ?? new LocalOnlyReplicator();
        MaxMemory = maxMemoryBytes;
        MaxInputDisk = maxInputDiskBytes;
        _serializer = serializer ?? RecordSerializer.Instance;
        _diskDirectory = Path.Combine(localDirectory, $"{SpillDirectoryPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        StaleSpillDirectories.Remove(localDirectory);
    }

    /// <summary>Spill directories are named <c>sluice-blocks-&lt;pid&gt;-&lt;guid&gt;</c>, so a later process can tell whose they are.</summary>
    internal const string SpillDirectoryPrefix = "sluice-blocks-";

    /// <summary>Where extra copies go when a level's replication is above one.</summary>
    public IBlockReplicator Replicator { get; }

    /// <summary>Bytes the memory store may hold.</summary>
    public long MaxMemory { get; }

    /// <summary>Bytes of spilled input blocks at which receivers are held (0: no bound).</summary>
    public long MaxInputDisk { get; }

    /// <summary>Bytes of input blocks on disk now.</summary>
    public long InputDiskUsed
    {
        get
        {
            lock (_gate)
            {
                return _inputDiskUsed;
            }
        }
    }

    /// <summary>Times a receiver was held because spilled input was at <see cref="MaxInputDisk"/>.</summary>
    public long InputHolds => Interlocked.Read(ref _inputHolds);

    /// <summary>True while spilled input is at <see cref="MaxInputDisk"/>: a receiver calling <see cref="WaitForInputRoom"/> would wait.</summary>
    public bool IsInputFull
    {
        get
        {
            lock (_gate)
            {
                return InputFullLocked;
            }
        }
    }

    private bool InputFullLocked => MaxInputDisk > 0 && _inputDiskUsed >= MaxInputDisk;

    /// <summary>
    /// Waits while spilled input blocks are at <see cref="MaxInputDisk"/>, until a removed block makes room or
    /// <paramref name="giveUp"/> returns true (the receiver is being stopped); true when it waited. What a receiver
    /// stores after this is at most its buffer and push queue, so spilled input stays within the bound plus those.
    /// </summary>
    public bool WaitForInputRoom(Func<bool> giveUp)
    {
        lock (_gate)
        {
            if (!InputFullLocked)
            {
                return false;
            }

            if (Interlocked.Increment(ref _inputHolds) == 1)
            {
                Log.Warn($"spilled input blocks reached sluice.storage.disk ({MaxInputDisk >> 20} MB): receivers wait until processed batches free blocks, so their sources are held back (further waits are not logged)");
            }

            // In slices, so a receiver being stopped gets out without a pulse.
            while (InputFullLocked && !giveUp())
            {
                Monitor.Wait(_gate, 50);
            }

            return true;
        }
    }

    /// <summary>Bytes the memory store holds now.</summary>
    public long MemoryUsed
    {
        get
        {
            lock (_gate)
            {
                return _memoryUsed;
            }
        }
    }

    /// <summary>Number of blocks held, in memory or on disk.</summary>
    public int BlockCount
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Number of blocks held in memory (a block may also have a copy on disk).</summary>
    public int MemoryBlockCount
    {
        get
        {
            lock (_gate)
            {
                return _entries.Values.Count(static e => e.InMemory);
            }
        }
    }

    /// <summary>Number of blocks held on disk.</summary>
    public int DiskBlockCount
    {
        get
        {
            lock (_gate)
            {
                return _entries.Values.Count(static e => e.DiskPath is not null);
            }
        }
    }

    /// <summary>Stores <paramref name="values"/> under <paramref name="id"/> at <paramref name="level"/>; false when nowhere could hold it.</summary>
    public bool Put<T>(BlockId id, T[] values, StorageLevel level)
    {
        if (!level.IsValid)
        {
            throw new ArgumentException($"block {id}: cannot store at storage level None", nameof(level));
        }

        var entry = new Entry(level, values.Length);
        if (level.Replication > 1)
        {
            var serialized = _serializer.Serialize(values);
            Replicator.Replicate(id, serialized, level.Replication - 1);
            if (!level.Deserialized)
            {
                entry.Bytes = serialized;
            }
        }

        if (level.UseMemory)
        {
            if (level.Deserialized)
            {
                entry.Values = values;
                entry.Size = SizeEstimator.Estimate(values, _serializer);
            }
            else
            {
                entry.Bytes ??= _serializer.Serialize(values);
                entry.Size = entry.Bytes.Length;
            }

            lock (_gate)
            {
                Remove(id, locked: true);
                if (EnsureFree(entry.Size))
                {
                    entry.LastUse = ++_tick;
                    _entries[id] = entry;
                    _memoryUsed += entry.Size;
                    return true;
                }
            }

            if (!level.UseDisk)
            {
                Log.Warn($"block {id} ({entry.Size} bytes) does not fit in memory ({MaxMemory} bytes) and its level {level} has no disk; it will be recomputed when needed");
                return false;
            }
        }

        var bytes = entry.Bytes ?? _serializer.Serialize(values);
        string path = WriteToDisk(id, bytes);
        lock (_gate)
        {
            Remove(id, locked: true);
            _entries[id] = new Entry(level, values.Length) { DiskPath = path, Size = bytes.Length, LastUse = ++_tick };
            if (id.IsInput)
            {
                _inputDiskUsed += bytes.Length;
            }
        }

        return true;
    }

    /// <summary>Reads a block; false when it is not here (never stored, evicted, or removed).</summary>
    public bool TryGet<T>(BlockId id, out T[] values)
    {
        Entry? entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(id, out entry))
            {
                values = [];
                return false;
            }

            entry.LastUse = ++_tick;
            if (entry.Values is T[] held)
            {
                values = held;
                return true;
            }
        }

        if (entry.Bytes is { } bytes)
        {
            values = _serializer.Deserialize<T>(bytes);
            return true;
        }

        try
        {
            values = _serializer.Deserialize<T>(File.ReadAllBytes(entry.DiskPath!));
            return true;
        }
        catch (FileNotFoundException)
        {
            // Removed concurrently.
            values = [];
            return false;
        }
    }

    /// <summary>True when the block is held.</summary>
    public bool Contains(BlockId id)
    {
        lock (_gate)
        {
            return _entries.ContainsKey(id);
        }
    }

    /// <summary>How blocks are serialized and their sizes estimated.</summary>
    internal ISerializer Serializer => _serializer;

    /// <summary>The estimated (in memory) or actual (serialized) bytes of a held block, or -1.</summary>
    internal long StoredBytes(BlockId id)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(id, out var e) ? e.Size : -1;
        }
    }

    /// <summary>Number of records in a held block, or -1.</summary>
    public int RecordCount(BlockId id)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(id, out var e) ? e.Records : -1;
        }
    }

    /// <summary>Drops a block from memory and disk.</summary>
    public bool Remove(BlockId id)
    {
        lock (_gate)
        {
            return Remove(id, locked: true);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _entries.Clear();
            _memoryUsed = 0;
            _inputDiskUsed = 0;
            Monitor.PulseAll(_gate);
        }

        try
        {
            if (Directory.Exists(_diskDirectory))
            {
                Directory.Delete(_diskDirectory, recursive: true);
            }
        }
        catch (IOException e)
        {
            Log.Warn($"could not remove block directory {_diskDirectory}: {e.Message}");
        }
    }

    private bool Remove(BlockId id, bool locked)
    {
        _ = locked;
        if (!_entries.Remove(id, out var entry))
        {
            return false;
        }

        if (entry.InMemory)
        {
            _memoryUsed -= entry.Size;
        }

        if (entry.DiskPath is { } path)
        {
            TryDelete(path);
            if (id.IsInput)
            {
                // Wakes receivers held at the spill bound.
                _inputDiskUsed -= entry.Size;
                Monitor.PulseAll(_gate);
            }
        }

        return true;
    }

    /// <summary>Evicts least-recently-used blocks until <paramref name="bytes"/> fit; spills those whose level allows disk.</summary>
    private bool EnsureFree(long bytes)
    {
        if (bytes > MaxMemory)
        {
            return false;
        }

        while (_memoryUsed + bytes > MaxMemory)
        {
            BlockId victimId = default;
            Entry? victim = null;
            foreach (var (id, e) in _entries)
            {
                if (e.InMemory && (victim is null || e.LastUse < victim.LastUse))
                {
                    victimId = id;
                    victim = e;
                }
            }

            if (victim is null)
            {
                return false;
            }

            _memoryUsed -= victim.Size;
            if (victim.Level.UseDisk)
            {
                var spilled = victim.Bytes ?? SerializeUntyped(victim.Values!);
                victim.DiskPath = WriteToDisk(victimId, spilled);
                victim.Values = null;
                victim.Bytes = null;
                victim.Size = spilled.Length;
                if (victimId.IsInput)
                {
                    _inputDiskUsed += spilled.Length;
                }
            }
            else
            {
                _entries.Remove(victimId);
                if (victimId.IsInput)
                {
                    Log.Error($"input block {victimId} was evicted from memory and its level {victim.Level} has no disk: its records are lost unless the write-ahead log holds them");
                }
            }
        }

        return true;
    }

    private byte[] SerializeUntyped(object values)
    {
        // The stored array's element type is only known at run time here.
        var elementType = values.GetType().GetElementType()!;
        var method = typeof(ISerializer).GetMethod(nameof(ISerializer.Serialize))!.MakeGenericMethod(elementType);
        return (byte[])method.Invoke(_serializer, [values])!;
    }

    private string WriteToDisk(BlockId id, byte[] bytes)
    {
        Directory.CreateDirectory(_diskDirectory);
        string path = Path.Combine(_diskDirectory, $"{id.Name}-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    private sealed class Entry(StorageLevel level, int records)
    {
        public readonly StorageLevel Level = level;
        public readonly int Records = records;
        public object? Values;
        public byte[]? Bytes;
        public string? DiskPath;
        public long Size;
        public long LastUse;

        public bool InMemory => Values is not null || Bytes is not null;
    }
}
