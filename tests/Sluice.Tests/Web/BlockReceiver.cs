using Sluice.Receiving;

namespace Sluice.Tests.Web;

/// <summary>Stores fixed blocks of records from its own thread, reports one error, then signals that every block is stored.</summary>
public sealed class BlockReceiver(int[] blockSizes) : Receiver<int>
{
    public ManualResetEventSlim Stored { get; } = new();

    public override void OnStart()
    {
        new Thread(() =>
        {
            foreach (int size in blockSizes)
            {
                using var stored = new ManualResetEventSlim();
                Store(Enumerable.Range(0, size).ToList(), stored.Set);
                stored.Wait(TimeSpan.FromSeconds(30));
            }

            ReportError("upstream is slow", new IOException("read timed out"));
            Stored.Set();
        }) { IsBackground = true, Name = "test-block-receiver" }.Start();
    }

    public override void OnStop()
    {
    }
}
