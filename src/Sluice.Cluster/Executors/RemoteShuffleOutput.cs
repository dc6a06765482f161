using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.Cluster.Executors;

/// <summary>A shuffle's map output kept by the executors that wrote it; a reduce task fetches its bucket of each map output.</summary>
internal sealed class RemoteShuffleOutput(ShuffleDependency dependency, string producer, string[] locations, BlobFetcher fetcher, BlobStore? local, string? localWorker)
    : IRemoteShuffleOutput
{
    public string Producer => producer;

    public string[] Locations => locations;

    public object[] GetBuckets(int reducePartition)
    {
        var result = new object[locations.Length];
        for (int m = 0; m < locations.Length; m++)
        {
            // The executor's own map output is read in place, not serialized and fetched.
            if (local is not null && locations[m] == localWorker && local.LocalBucket(producer, m, reducePartition) is { } bucket)
            {
                result[m] = bucket;
                continue;
            }

            try
            {
                result[m] = dependency.DeserializeBucket(fetcher.Fetch(locations[m], BlobStore.BucketBlob(producer, m, reducePartition)));
            }
            catch (BlobMissingException e)
            {
                throw new ShuffleOutputMissingException(dependency.ShuffleId, e.Message);
            }
        }

        return result;
    }
}
