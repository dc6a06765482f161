using System.Collections.Concurrent;
using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Scheduling;

/// <summary>Collects, per batch, what each input stream contributed (record counts, metadata).</summary>
internal sealed class InputInfoTracker
{
    private readonly ConcurrentDictionary<Time, ConcurrentDictionary<int, StreamInputInfo>> _batches = new();

    public void ReportInfo(Time batchTime, StreamInputInfo info) =>
        _batches.GetOrAdd(batchTime, static _ => new())[info.InputStreamId] = info;

    public IReadOnlyDictionary<int, StreamInputInfo> GetInfo(Time batchTime) =>
        _batches.TryGetValue(batchTime, out var infos) ? new Dictionary<int, StreamInputInfo>(infos) : new Dictionary<int, StreamInputInfo>();

    public void Cleanup(Time threshold)
    {
        foreach (var time in _batches.Keys)
        {
            if (time < threshold)
            {
                _batches.TryRemove(time, out _);
            }
        }
    }
}
