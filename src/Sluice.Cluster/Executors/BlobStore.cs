using System.Collections.Concurrent;
using Sluice.Datasets;

namespace Sluice.Cluster.Executors;

/// <summary>
/// What an executor keeps for others to fetch: the map output of the shuffle tasks it ran (bucket by bucket, serialized when first
/// asked for) and task results too large for one message. Map output of batches long past is dropped.
/// </summary>
internal sealed class BlobStore(TimeSpan batchInterval)
{
    // Batches whose map output is kept after a newer batch's: enough for a reduce stage still reading, and for a recomputed job.
    private const int KeptBatches = 10;

    private readonly ConcurrentDictionary<string, MapOutput> _maps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private long _newestBatch = long.MinValue;

    /// <summary>The name of map partition <paramref name="map"/>'s output of stage <paramref name="producer"/>.</summary>
    public static string MapKey(string producer, int map) => $"{producer}/m{map}";

    /// <summary>The name of one bucket of a map output.</summary>
    public static string BucketBlob(string producer, int map, int reduce) => $"{MapKey(producer, map)}/r{reduce}";

    public void PutMapOutput(string producer, int map, long batchTime, ShuffleDependency dependency, object[] buckets)
    {
        _maps[MapKey(producer, map)] = new MapOutput(dependency, buckets, batchTime);
        if (batchTime > Interlocked.Read(ref _newestBatch))
        {
            Interlocked.Exchange(ref _newestBatch, batchTime);
            long oldest = batchTime - (long)batchInterval.TotalMilliseconds * KeptBatches;
            foreach (var (key, output) in _maps)
            {
                if (output.BatchTime < oldest)
                {
                    _maps.TryRemove(key, out _);
                }
            }
        }
    }

    /// <summary>A bucket this executor keeps, as the reduce side reads it, or null.</summary>
    public object? LocalBucket(string producer, int map, int reduce) =>
        _maps.TryGetValue(MapKey(producer, map), out var output) ? output.Buckets[reduce] : null;

    /// <summary>Keeps a result until it was fetched to its end.</summary>
    public void PutResult(string blob, byte[] bytes) => _blobs[blob] = bytes;

    public Chunk Read(string blob, long offset)
    {
        byte[]? bytes = _blobs.TryGetValue(blob, out var b) ? b : BucketBytes(blob);
        if (bytes is null)
        {
            return new Chunk { Missing = $"no {blob} here (gone, or never written)" };
        }

        int length = (int)Math.Min(Chunk.MaxBytes, Math.Max(0, bytes.Length - offset));
        var data = new byte[length];
        Array.Copy(bytes, offset, data, 0, length);
        if (offset + length >= bytes.Length)
        {
            _blobs.TryRemove(blob, out _);
        }

        return new Chunk { Data = data, Total = bytes.Length };
    }

    // Serialized per request of a fetch that starts, kept until the fetch read its end: a bucket is read by one reduce task.
    private byte[]? BucketBytes(string blob)
    {
        int r = blob.LastIndexOf("/r", StringComparison.Ordinal);
        if (r < 0 || !_maps.TryGetValue(blob[..r], out var output) || !int.TryParse(blob.AsSpan(r + 2), System.Globalization.CultureInfo.InvariantCulture, out int reduce))
        {
            return null;
        }

        var bytes = output.Dependency.SerializeBucket(output.Buckets[reduce]);
        _blobs[blob] = bytes;
        return bytes;
    }

    private sealed record MapOutput(ShuffleDependency Dependency, object[] Buckets, long BatchTime);
}
