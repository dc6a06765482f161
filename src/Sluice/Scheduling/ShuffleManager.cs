using System.Collections.Concurrent;

namespace Sluice.Scheduling;

/// <summary>
/// Keeps each shuffle's map output (one bucket per map partition and reduce partition) until every stage
/// that reads it has finished; a stage that finds it missing has it recomputed from lineage.
/// </summary>
internal sealed class ShuffleManager
{
    private readonly ConcurrentDictionary<int, Output> _outputs = new();

    public int ActiveShuffles => _outputs.Count;

    /// <summary>Registers a complete map output, held by one reader.</summary>
    public void Register(int shuffleId, object[][] buckets) => _outputs[shuffleId] = new Output(buckets, null);

    /// <summary>Registers a complete map output that lives in other processes, held by one reader.</summary>
    public void RegisterRemote(int shuffleId, IRemoteShuffleOutput remote) => _outputs[shuffleId] = new Output(null, remote);

    /// <summary>The output of <paramref name="shuffleId"/> when it lives in other processes, else null.</summary>
    public IRemoteShuffleOutput? RemoteOutput(int shuffleId) => _outputs.TryGetValue(shuffleId, out var output) ? output.Remote : null;

    /// <summary>True when the output of <paramref name="shuffleId"/> is registered and lives in this process.</summary>
    public bool IsLocal(int shuffleId) => _outputs.TryGetValue(shuffleId, out var output) && output.Remote is null;

    /// <summary>Forgets an output that went missing (its process is gone), so the next stage that needs it recomputes it.</summary>
    public void Invalidate(int shuffleId) => _outputs.TryRemove(shuffleId, out _);

    /// <summary>Takes a reader's hold on an existing output; false when it must be computed.</summary>
    public bool TryAcquire(int shuffleId)
    {
        if (_outputs.TryGetValue(shuffleId, out var output))
        {
            lock (output)
            {
                if (output.Readers > 0)
                {
                    output.Readers++;
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Drops a reader's hold; the output is freed when no reader is left.</summary>
    public void Release(int shuffleId)
    {
        if (_outputs.TryGetValue(shuffleId, out var output))
        {
            lock (output)
            {
                if (--output.Readers <= 0)
                {
                    _outputs.TryRemove(shuffleId, out _);
                }
            }
        }
    }

    /// <summary>The buckets that the map tasks wrote for <paramref name="reducePartition"/>.</summary>
    public object[] GetBuckets(int shuffleId, int reducePartition)
    {
        if (!_outputs.TryGetValue(shuffleId, out var output))
        {
            throw new ShuffleOutputMissingException(shuffleId);
        }

        if (output.Remote is { } remote)
        {
            return remote.GetBuckets(reducePartition);
        }

        var maps = output.Buckets!;
        var result = new object[maps.Length];
        for (int m = 0; m < maps.Length; m++)
        {
            result[m] = maps[m][reducePartition];
        }

        return result;
    }

    private sealed class Output(object[][]? buckets, IRemoteShuffleOutput? remote)
    {
        public readonly object[][]? Buckets = buckets;
        public readonly IRemoteShuffleOutput? Remote = remote;
        public int Readers = 1;
    }
}

/// <summary>A shuffle's map output kept by the processes that wrote it (cluster mode), read bucket by bucket.</summary>
internal interface IRemoteShuffleOutput
{
    /// <summary>The stage that wrote it (<see cref="StageSpec.Key"/>).</summary>
    string Producer { get; }

    /// <summary>Where each map partition's output lives.</summary>
    string[] Locations { get; }

    /// <summary>The buckets every map task wrote for <paramref name="reducePartition"/>; a <see cref="ShuffleOutputMissingException"/> when one is gone.</summary>
    object[] GetBuckets(int reducePartition);
}

/// <summary>A reduce task found its shuffle's map output gone; the scheduler recomputes it.</summary>
internal sealed class ShuffleOutputMissingException(int shuffleId, string? detail = null)
    : Exception(detail is null ? $"map output of shuffle {shuffleId} is missing" : $"map output of shuffle {shuffleId} is missing: {detail}")
{
    public int ShuffleId => shuffleId;
}
