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
    public void Register(int shuffleId, object[][] buckets) => _outputs[shuffleId] = new Output(buckets);

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

        var maps = output.Buckets;
        var result = new object[maps.Length];
        for (int m = 0; m < maps.Length; m++)
        {
            result[m] = maps[m][reducePartition];
        }

        return result;
    }

    private sealed class Output(object[][] buckets)
    {
        public readonly object[][] Buckets = buckets;
        public int Readers = 1;
    }
}

/// <summary>A reduce task found its shuffle's map output gone; the scheduler recomputes it.</summary>
internal sealed class ShuffleOutputMissingException(int shuffleId)
    : Exception($"map output of shuffle {shuffleId} is missing");
