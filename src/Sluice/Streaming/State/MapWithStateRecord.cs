using System.Text.Json.Serialization;

namespace Sluice.Streaming;

/// <summary>
/// The one record of each partition of a MapWithState stream's internal dataset: the partition's state after the
/// batch, and the records the mapping function returned in it. The array properties are its checkpoint form.
/// </summary>
internal sealed class MapWithStateRecord<TKey, TState, TMapped> : Storage.ISelfSizing
    where TKey : notnull
{
    public MapWithStateRecord(StateMap<TKey, TState> stateMap, TMapped[] mappedData)
    {
        StateMap = stateMap;
        MappedData = mappedData;
    }

    [JsonConstructor]
    public MapWithStateRecord(TKey[] keys, TState[] states, long[] updateTimes, TMapped[] mappedData)
    {
        if (keys.Length != states.Length || keys.Length != updateTimes.Length)
        {
            throw new InvalidDataException($"MapWithState checkpoint record is inconsistent: {keys.Length} keys, {states.Length} states, {updateTimes.Length} update times");
        }

        StateMap = new StateMap<TKey, TState>();
        for (int i = 0; i < keys.Length; i++)
        {
            StateMap.Put(keys[i], states[i], updateTimes[i]);
        }

        MappedData = mappedData;
    }

    [JsonIgnore]
    public StateMap<TKey, TState> StateMap { get; }

    /// <summary>The entries of the newest layer and the mapped records; lower layers belong to older batches.</summary>
    [JsonIgnore]
    public long EstimatedBytes => (StateMap.LayerEntries * 64L) + (MappedData.Length * 32L);

    public TMapped[] MappedData { get; }

    public TKey[] Keys => Entries.Select(static e => e.Key).ToArray();

    public TState[] States => Entries.Select(static e => e.State).ToArray();

    public long[] UpdateTimes => Entries.Select(static e => e.UpdateTimeMs).ToArray();

    // The checkpoint form reads the layered map once, not once per array.
    private (TKey Key, TState State, long UpdateTimeMs)[] Entries => _entries ??= StateMap.GetAll().ToArray();

    private (TKey Key, TState State, long UpdateTimeMs)[]? _entries;
}
