using Sluice.Datasets;

namespace Sluice.Streaming;

/// <summary>
/// The keyed state of one partition of a MapWithState stream. Each batch works on a <see cref="Copy"/>: a new layer
/// over the previous batch's map that holds only the keys this batch touched, so a batch costs what it changes, not
/// the size of the state. The layer below is never written again. The chain is flattened into one table once its layers
/// hold a quarter as many entries as the base (or at <see cref="MaxDepth"/> layers), which bounds lookups and lets old
/// layers be collected. A layer gets a
/// <see cref="KeyFilter"/> when it is sealed, so lookups pass the layers that do not hold a key almost for free.
/// A sealed chain that had to be read whole (for a data checkpoint, snapshots or timeouts) keeps that flat table, and
/// the next batch's layer goes over it instead of over the chain: after every checkpoint lookups start shallow again.
/// </summary>
internal sealed class StateMap<TKey, TState>
    where TKey : notnull
{
    internal const int MaxDepth = 20;

    private readonly StateMap<TKey, TState>? _parent;
    private readonly Dictionary<TKey, Entry> _entries;
    private readonly int _depth;
    private int _count;

    // Set once, when the layer is sealed; only layers with a parent get one (the base is the last stop anyway).
    private KeyFilter? _filter;

    // No more writes: set by Seal, after which the whole chain may be flattened once and that table kept in _flat.
    private volatile bool _sealed;
    private Dictionary<TKey, Entry>? _flat;

    /// <summary>An empty map.</summary>
    public StateMap()
        : this(null, new Dictionary<TKey, Entry>(), 0, 0)
    {
    }

    private StateMap(StateMap<TKey, TState>? parent, Dictionary<TKey, Entry> entries, int depth, int count)
    {
        _parent = parent;
        _entries = entries;
        _depth = depth;
        _count = count;
    }

    /// <summary>Live keys in the whole chain.</summary>
    public int Count => _count;

    /// <summary>Entries held by this layer itself (updates and removals of its batch, or everything for a flat map).</summary>
    public int LayerEntries => _entries.Count;

    /// <summary>Layers below this one (0 for a flat map).</summary>
    public int Depth => _depth;

    /// <summary>The state of <paramref name="key"/>, looked up from the newest layer down.</summary>
    public bool TryGet(TKey key, out TState state, out long updateTimeMs)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            int hash = KeyFilter.Hash(key);
            var map = _parent;
            while (map is not null && !((map._filter is null || map._filter.MightContain(hash)) && map._entries.TryGetValue(key, out entry)))
            {
                map = map._parent;
            }

            if (map is null)
            {
                state = default!;
                updateTimeMs = 0;
                return false;
            }
        }

        state = entry.State;
        updateTimeMs = entry.UpdateTimeMs;
        return !entry.Deleted;
    }

    /// <summary>Sets the state of <paramref name="key"/>, updated at <paramref name="updateTimeMs"/>.</summary>
    public void Put(TKey key, TState state, long updateTimeMs) => Put(key, state, updateTimeMs, TryGet(key, out _, out _));

    /// <summary>Put for a caller that has just looked the key up: <paramref name="existed"/> saves walking the layers again.</summary>
    public void Put(TKey key, TState state, long updateTimeMs, bool existed)
    {
        _entries[key] = new Entry(state, updateTimeMs, false);
        if (!existed)
        {
            _count++;
        }
    }

    /// <summary>Removes <paramref name="key"/>; lower layers keep it, so this layer records the removal.</summary>
    public void Remove(TKey key) => Remove(key, TryGet(key, out _, out _));

    /// <summary>Remove for a caller that has just looked the key up.</summary>
    public void Remove(TKey key, bool existed)
    {
        if (!existed)
        {
            return;
        }

        if (_parent is null)
        {
            _entries.Remove(key);
        }
        else
        {
            _entries[key] = new Entry(default!, 0, true);
        }

        _count--;
    }

    /// <summary>
    /// Live keys this map itself holds that were written at <paramref name="updateTimeMs"/>: the keys a batch updated. Walks this map's
    /// own table once (the batch's layer; the whole state only right after the chain was flattened, which cost as much).
    /// </summary>
    public int WrittenAt(long updateTimeMs)
    {
        int n = 0;
        foreach (var entry in _entries.Values)
        {
            if (!entry.Deleted && entry.UpdateTimeMs == updateTimeMs)
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>
    /// Up to <paramref name="count"/> stored entries, newest layer first, for a size estimate: cheap (no flattening), and an
    /// entry a newer layer replaced may be among them, which does not matter for an average size.
    /// </summary>
    public List<(TKey Key, TState State)> Sample(int count)
    {
        var result = new List<(TKey, TState)>(count);
        for (var map = this; map is not null && result.Count < count; map = map._parent)
        {
            foreach (var (key, entry) in map._entries)
            {
                if (!entry.Deleted)
                {
                    result.Add((key, entry.State));
                    if (result.Count == count)
                    {
                        break;
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Every live key with its state and update time, each key once (the newest layer wins).</summary>
    public IEnumerable<(TKey Key, TState State, long UpdateTimeMs)> GetAll()
    {
        if (_parent is null)
        {
            foreach (var (key, entry) in _entries)
            {
                yield return (key, entry.State, entry.UpdateTimeMs);
            }

            yield break;
        }

        var flat = Volatile.Read(ref _flat);
        if (flat is null)
        {
            flat = Flatten();
            if (_sealed)
            {
                Volatile.Write(ref _flat, flat);
            }
        }

        foreach (var (key, entry) in flat)
        {
            yield return (key, entry.State, entry.UpdateTimeMs);
        }
    }

    /// <summary>
    /// The whole chain as one new table: the base table copied as it is (Dictionary copies another's arrays without
    /// hashing again), then every layer applied from the oldest up. That costs one copy of the state plus the entries of
    /// the layers, where asking the layers above about each base key cost a probe per layer per key.
    /// </summary>
    private Dictionary<TKey, Entry> Flatten()
    {
        var chain = new StateMap<TKey, TState>[_depth + 1];
        var map = this;
        for (int i = _depth; i >= 0; i--, map = map._parent!)
        {
            chain[i] = map;
        }

        var flat = new Dictionary<TKey, Entry>(chain[0]._entries);
        flat.EnsureCapacity(_count);
        for (int i = 1; i < chain.Length; i++)
        {
            foreach (var (key, entry) in chain[i]._entries)
            {
                if (entry.Deleted)
                {
                    flat.Remove(key);
                }
                else
                {
                    flat[key] = entry;
                }
            }
        }

        return flat;
    }

    /// <summary>Marks the map finished: nothing writes it any more, so it can get its filter and keep a flattened copy.</summary>
    public void Seal()
    {
        if (_sealed)
        {
            return;
        }

        if (_parent is not null)
        {
            _filter = KeyFilter.Build(_entries);
        }

        _sealed = true;
    }

    /// <summary>A new layer over this map for the next batch; this map must not be written after that.</summary>
    public StateMap<TKey, TState> Copy()
    {
        Seal();
        if (Volatile.Read(ref _flat) is { } flat)
        {
            // The flat table is never written (it is a parent from now on), so the new chain can share it.
            return new StateMap<TKey, TState>(new StateMap<TKey, TState>(null, flat, 0, _count), new Dictionary<TKey, Entry>(_entries.Count), 1, _count);
        }

        if (_depth + 1 < MaxDepth && !LayersOutweighBase())
        {
            // A batch usually touches about as many keys as the one before it: sized so, the new layer rarely grows.
            return new StateMap<TKey, TState>(this, new Dictionary<TKey, Entry>(_parent is null ? 0 : _entries.Count), _depth + 1, _count);
        }

        return new StateMap<TKey, TState>(null, Flatten(), 0, _count);
    }

    /// <summary>
    /// True once the layers hold a quarter as many entries as the base table. Every layer costs each lookup a filter
    /// probe, and flattening costs a copy of the base plus the layers' entries: flattened about then, the two stay
    /// about even. A state that a batch barely touches keeps its (small) layers up to <see cref="MaxDepth"/>.
    /// </summary>
    private bool LayersOutweighBase()
    {
        long layered = 0;
        var map = this;
        for (; map._parent is not null; map = map._parent)
        {
            layered += map._entries.Count;
        }

        return layered * 4 >= map._entries.Count;
    }

    private readonly record struct Entry(TState State, long UpdateTimeMs, bool Deleted);
}
