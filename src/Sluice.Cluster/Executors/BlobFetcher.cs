namespace Sluice.Cluster.Executors;

/// <summary>Reads a blob kept by the executor on another worker, chunk by chunk (each at most <see cref="Chunk.MaxBytes"/>).</summary>
internal sealed class BlobFetcher(IClusterClient client, string appId)
{
    /// <summary>The whole blob; a <see cref="BlobMissingException"/> says why when it cannot be read.</summary>
    public byte[] Fetch(string worker, string blob)
    {
        var grain = client.GetGrain<IWorkerGrain>(worker);
        byte[]? whole = null;
        long offset = 0;
        do
        {
            Chunk chunk;
            try
            {
                chunk = grain.FetchChunk(appId, blob, offset).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
            {
                throw new BlobMissingException($"{blob} on worker {worker}: {e.GetType().Name}: {e.Message}");
            }

            if (chunk.Missing is { } missing)
            {
                throw new BlobMissingException($"{blob} on worker {worker}: {missing}");
            }

            whole ??= new byte[chunk.Total];
            Array.Copy(chunk.Data, 0, whole, offset, chunk.Data.Length);
            offset += chunk.Data.Length;
            if (chunk.Data.Length == 0 && offset < chunk.Total)
            {
                throw new BlobMissingException($"{blob} on worker {worker}: an empty chunk at {offset} of {chunk.Total}");
            }
        }
        while (offset < whole.Length);
        return whole;
    }
}

/// <summary>A blob could not be fetched (its executor is gone, or it was dropped).</summary>
internal sealed class BlobMissingException(string message) : IOException(message);
