using System.Diagnostics;

namespace Sluice.Cluster.Tests;

/// <summary>Workers form a cluster through each membership store, and a driver sees them come and go.</summary>
public sealed class MembershipTests
{
    [RedisFact(Timeout = 180_000)]
    public async Task TwoWorkersFormAClusterThroughRedisAndADriverSeesBoth()
    {
        using var redis = await RedisServer.StartAsync();
        var master = ClusterMaster.Parse($"cluster://r{Environment.ProcessId}@redis://127.0.0.1:{redis.Port}");
        await using var first = await WorkerSilo.StartAsync(new WorkerOptions(master) { Cores = 1 });
        await using var second = await WorkerSilo.StartAsync(new WorkerOptions(master) { Cores = 1 });
        await using var driver = await ClusterConnection.ConnectAsync(master);
        var workers = await driver.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        Assert.Equal(
            new[] { first.SiloEndPoint.ToString(), second.SiloEndPoint.ToString() }.Order(StringComparer.Ordinal),
            workers.Select(static w => w.EndPoint));
    }

    [Fact(Timeout = 180_000)]
    public async Task AWorkerThatLeavesGracefullyIsGoneFromTheDriversViewAtOnce()
    {
        int port = WorkerSilo.FreePortPair(System.Net.IPAddress.Loopback);
        var master = ClusterMaster.Parse($"cluster://d{Environment.ProcessId}@dev://127.0.0.1:{port}");
        await using var primary = await WorkerSilo.StartAsync(new WorkerOptions(master) { Port = port, Cores = 1 });
        var second = await WorkerSilo.StartAsync(new WorkerOptions(master) { Cores = 1 });
        await using var driver = await ClusterConnection.ConnectAsync(master);
        Assert.Equal(2, (await driver.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60))).Count);

        await second.DisposeAsync();
        var watch = Stopwatch.StartNew();
        var left = await WaitUntilAsync(driver, 1, TimeSpan.FromSeconds(30));
        Assert.Equal(primary.SiloEndPoint.ToString(), Assert.Single(left).EndPoint);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"{watch.Elapsed}");
    }

    internal static async Task<IReadOnlyList<WorkerInfo>> WaitUntilAsync(ClusterConnection driver, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var workers = await driver.WorkersAsync();
            if (workers.Count == count || DateTime.UtcNow > deadline)
            {
                return workers;
            }

            await Task.Delay(100);
        }
    }
}
