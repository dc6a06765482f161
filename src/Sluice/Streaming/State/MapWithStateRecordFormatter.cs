using MemoryPack;

namespace Sluice.Streaming;

/// <summary>
/// The binary form of a MapWithState record for data checkpoints: four arrays (keys, states, update times, mapped
/// records), written with MemoryPack. Registered only when MemoryPack can write all three element types; otherwise
/// the record serializer falls back to JSON.
/// </summary>
internal sealed class MapWithStateRecordFormatter<TKey, TState, TMapped> : MemoryPackFormatter<MapWithStateRecord<TKey, TState, TMapped>>
    where TKey : notnull
{
    private static readonly object Gate = new();

    public static void RegisterIfSupported()
    {
        lock (Gate)
        {
            if (MemoryPackFormatterProvider.IsRegistered<MapWithStateRecord<TKey, TState, TMapped>>() ||
                !Storage.RecordSerializer.IsMemoryPackable<TKey>() || !Storage.RecordSerializer.IsMemoryPackable<TState>() || !Storage.RecordSerializer.IsMemoryPackable<TMapped>())
            {
                return;
            }

            MemoryPackFormatterProvider.Register(new MapWithStateRecordFormatter<TKey, TState, TMapped>());
        }
    }

    public override void Serialize<TBufferWriter>(ref MemoryPackWriter<TBufferWriter> writer, scoped ref MapWithStateRecord<TKey, TState, TMapped>? value)
    {
        if (value is null)
        {
            writer.WriteNullObjectHeader();
            return;
        }

        int count = value.StateMap.Count;
        var keys = new TKey[count];
        var states = new TState[count];
        var times = new long[count];
        int i = 0;
        foreach (var (key, state, time) in value.StateMap.GetAll())
        {
            keys[i] = key;
            states[i] = state;
            times[i] = time;
            i++;
        }

        writer.WriteObjectHeader(4);
        writer.WriteArray(keys);
        writer.WriteArray(states);
        writer.WriteUnmanagedArray(times);
        writer.WriteArray(value.MappedData);
    }

    public override void Deserialize(ref MemoryPackReader reader, scoped ref MapWithStateRecord<TKey, TState, TMapped>? value)
    {
        if (!reader.TryReadObjectHeader(out byte members))
        {
            value = null;
            return;
        }

        if (members != 4)
        {
            throw new MemoryPackSerializationException($"MapWithState checkpoint record has {members} members, expected 4");
        }

        var keys = reader.ReadArray<TKey>() ?? [];
        var states = reader.ReadArray<TState>() ?? [];
        var times = reader.ReadUnmanagedArray<long>() ?? [];
        var mapped = reader.ReadArray<TMapped>() ?? [];
        value = new MapWithStateRecord<TKey, TState, TMapped>(keys!, states!, times, mapped!);
    }
}
