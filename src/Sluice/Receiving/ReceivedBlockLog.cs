using System.Text.Json;
using Sluice.Recovery;
using Sluice.Storage;
using Sluice.Streaming;

namespace Sluice.Receiving;

/// <summary>
/// The tracker's own write-ahead log: every block added, every allocation of blocks to a batch and every cleanup, so
/// that after a crash exactly the batches that were pending can be rebuilt with the same blocks.
/// </summary>
internal sealed class ReceivedBlockLog(WriteAheadLog log) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { IncludeFields = true };

    public void BlockAdded(ReceivedBlockInfo block) => Write(new Event("add", block, null, null, null));

    public void BatchAllocated(Time time, Dictionary<int, ReceivedBlockInfo[]> allocation) =>
        Write(new Event("allocate", null, time.Milliseconds, allocation, null));

    public void BatchesCleaned(Time threshold) => Write(new Event("cleanup", null, null, null, threshold.Milliseconds));

    public void Clean(long thresholdMillis) => log.Clean(thresholdMillis);

    /// <summary>Replays a log: the blocks not yet allocated per stream, and the allocation of every batch not cleaned up.</summary>
    public static (Dictionary<int, List<ReceivedBlockInfo>> Unallocated, SortedDictionary<Time, Dictionary<int, ReceivedBlockInfo[]>> Allocated) Recover(string directory)
    {
        var unallocated = new Dictionary<int, List<ReceivedBlockInfo>>();
        var allocated = new SortedDictionary<Time, Dictionary<int, ReceivedBlockInfo[]>>();
        foreach (var (_, payload) in WriteAheadLog.ReadAll(directory))
        {
            var e = JsonSerializer.Deserialize<Event>(payload, Json)!;
            switch (e.Kind)
            {
                case "add":
                    var block = e.Block!;
                    if (!unallocated.TryGetValue(block.StreamId, out var list))
                    {
                        unallocated[block.StreamId] = list = [];
                    }

                    list.Add(block);
                    break;
                case "allocate":
                    allocated[new Time(e.Time!.Value)] = e.Allocation!;
                    foreach (var (streamId, blocks) in e.Allocation!)
                    {
                        if (unallocated.TryGetValue(streamId, out var pending))
                        {
                            var ids = blocks.Select(b => b.BlockId).ToHashSet();
                            pending.RemoveAll(b => ids.Contains(b.BlockId));
                        }
                    }

                    break;
                case "cleanup":
                    foreach (var time in allocated.Keys.Where(t => t.Milliseconds < e.Threshold!.Value).ToList())
                    {
                        allocated.Remove(time);
                    }

                    break;
            }
        }

        return (unallocated, allocated);
    }

    public void Dispose() => log.Dispose();

    private void Write(Event e) => log.Write(JsonSerializer.SerializeToUtf8Bytes(e, Json));

    private sealed record Event(string Kind, ReceivedBlockInfo? Block, long? Time, Dictionary<int, ReceivedBlockInfo[]>? Allocation, long? Threshold);
}
