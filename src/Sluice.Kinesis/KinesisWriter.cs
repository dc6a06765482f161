using Sluice.Streaming;

namespace Sluice.Kinesis;

/// <summary>Puts one output partition's records in PutRecords calls of at most 500 records and 5 MiB, retrying exactly the refused ones.</summary>
internal sealed class KinesisWriter(KinesisSinkOptions options) : IStreamingContextPlugin, IDisposable
{
    private const int MaxRecordsPerCall = 500;
    private const long MaxBytesPerCall = 5L * 1024 * 1024;
    private readonly KinesisClient _client = new(options);

    public IEnumerable<long> Write(Time batchTime, int partition, IEnumerable<(string PartitionKey, byte[] Data)> records) =>
        [WriteAsync(batchTime, partition, records).GetAwaiter().GetResult()];

    private async Task<long> WriteAsync(Time batchTime, int partition, IEnumerable<(string PartitionKey, byte[] Data)> records)
    {
        var call = new List<(string, byte[])>(MaxRecordsPerCall);
        long bytes = 0;
        long written = 0;
        foreach (var record in records)
        {
            long size = record.Data.Length + System.Text.Encoding.UTF8.GetByteCount(record.PartitionKey);
            if (call.Count == MaxRecordsPerCall || (call.Count > 0 && bytes + size > MaxBytesPerCall))
            {
                written += await Put(call, batchTime, partition);
                call.Clear();
                bytes = 0;
            }

            call.Add(record);
            bytes += size;
        }

        if (call.Count > 0)
        {
            written += await Put(call, batchTime, partition);
        }

        return written;
    }

    private async Task<int> Put(List<(string PartitionKey, byte[] Data)> records, Time batchTime, int partition)
    {
        IReadOnlyList<(string PartitionKey, byte[] Data)> pending = records;
        var delay = options.RetryBackoff;
        string? lastError = null;
        for (int attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }

            string?[] results;
            try
            {
                results = await _client.PutRecords(options.StreamName, pending);
            }
            catch (KinesisException e) when (e.IsRetryable)
            {
                lastError = e.Message;
                continue;
            }
            catch (KinesisException e)
            {
                throw new IOException($"Kinesis sink: putting batch {batchTime.Milliseconds} ms, partition {partition} into {options.StreamName} failed: {e.Message}", e);
            }

            var refused = new List<(string, byte[])>();
            for (int i = 0; i < results.Length; i++)
            {
                if (results[i] is { } error)
                {
                    refused.Add(pending[i]);
                    lastError = error;
                }
            }

            if (refused.Count == 0)
            {
                return records.Count;
            }

            pending = refused;
        }

        throw new IOException($"Kinesis sink: {pending.Count} record(s) of batch {batchTime.Milliseconds} ms, partition {partition} were still refused by {options.StreamName} after {options.MaxAttempts} attempts: {lastError}");
    }

    public void OnContextStopped(StreamingContext context) => Dispose();

    public void Dispose() => _client.Dispose();
}
