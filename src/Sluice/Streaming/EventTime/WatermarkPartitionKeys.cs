using Sluice.Datasets;
using Sluice.Datasets.Operators;

namespace Sluice.Streaming;

/// <summary>
/// Finds, for each partition of an event-time stream's batch, the input partition it reads, by following the lineage
/// through one-to-one operators (Map, Filter, ...) and unions down to an input stream's dataset of the same batch. The
/// input stream names the partition by a key that is the same in every batch (see <c>InputDStream.WatermarkPartition</c>).
/// A partition that reads several inputs' partitions (after a shuffle or a coalesce) is keyed by its own index.
/// </summary>
internal static class WatermarkPartitionKeys
{
    public static string[] Of(RddBase rdd, IReadOnlyDictionary<RddBase, IInputDStream> inputs)
    {
        var keys = new string[rdd.NumPartitions];
        for (int p = 0; p < keys.Length; p++)
        {
            keys[p] = KeyOf(rdd, p, inputs) ?? $"p{p}";
        }

        return keys;
    }

    private static string? KeyOf(RddBase rdd, int partition, IReadOnlyDictionary<RddBase, IInputDStream> inputs)
    {
        while (true)
        {
            if (inputs.TryGetValue(rdd, out var input))
            {
                return input.WatermarkPartition(rdd, partition);
            }

            if (rdd is IUnionRdd union)
            {
                (rdd, partition) = union.ParentPartition(partition);
                continue;
            }

            var dependencies = rdd.Dependencies;
            if (dependencies.Count == 1 && dependencies[0] is NarrowDependency narrow && narrow.Rdd.NumPartitions == rdd.NumPartitions)
            {
                rdd = narrow.Rdd;
                continue;
            }

            return null;
        }
    }
}
