using System.Diagnostics;

namespace Sluice.Bench;

/// <summary>One contender's run: elapsed time, allocation, peak managed heap, and the time the GC paused the program.</summary>
internal sealed record Measurement(string Workload, string Contender, long Records, TimeSpan Elapsed, long AllocatedBytes, long PeakHeapBytes, string? Note = null)
{
    /// <summary>Time the garbage collector held the program's threads during the run (part of <see cref="Elapsed"/>).</summary>
    public TimeSpan GcPause { get; init; }

    public double RecordsPerSecond => Records / Elapsed.TotalSeconds;

    public double BytesPerRecord => (double)AllocatedBytes / Records;

    public static Measurement Run(string workload, string contender, long records, Action body, string? note = null)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long peak = GC.GetTotalMemory(false);
        using var stop = new CancellationTokenSource();
        var sampler = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                long now = GC.GetTotalMemory(false);
                if (now > Interlocked.Read(ref peak))
                {
                    Interlocked.Exchange(ref peak, now);
                }

                stop.Token.WaitHandle.WaitOne(5);
            }
        }) { IsBackground = true };
        sampler.Start();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var pausedBefore = GC.GetTotalPauseDuration();
        var watch = Stopwatch.StartNew();
        body();
        watch.Stop();
        var paused = GC.GetTotalPauseDuration() - pausedBefore;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        stop.Cancel();
        sampler.Join();
        return new Measurement(workload, contender, records, watch.Elapsed, allocated, Interlocked.Read(ref peak), note) { GcPause = paused };
    }
}
