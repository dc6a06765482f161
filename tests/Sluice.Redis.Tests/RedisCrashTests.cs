using System.Diagnostics;

namespace Sluice.Redis.Tests;

/// <summary>
/// The kill test: a checkpointed copy from one Redis stream to another (direct stream, stream sink), run as a child
/// process, fed entries and killed with SIGKILL at random moments (start-up, recovery, planning, inside a batch's
/// writes). After the last restart the target stream holds every source entry once, in order.
/// </summary>
public sealed class RedisCrashTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-redis-crash-").FullName;
    private Task<string>? _lastErrors;

    private Process Start(RedisServer redis, string checkpoint)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Sluice.Redis.CrashApp.dll"), redis.ConnectionString, checkpoint, "100" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _lastErrors = process.StandardError.ReadToEndAsync();
        return process;
    }

    [RedisFact(Timeout = 420_000)]
    public async Task KilledAtRandomMomentsTheTargetStreamEndsEqualToTheSource()
    {
        using var redis = new RedisServer();
        string checkpoint = Path.Combine(_root, "checkpoint");
        var random = new Random(20261202);
        int kills = int.TryParse(Environment.GetEnvironmentVariable("REDIS_CRASH_TEST_KILLS"), out int asked) && asked > 0 ? asked : 12;
        int added = 0;
        int killedWhileWriting = 0;
        for (int round = 0; round < kills; round++)
        {
            var batch = redis.Db.CreateBatch();
            var adds = new List<Task>();
            int n = random.Next(200, 2500);
            for (int i = 0; i < n; i++)
            {
                adds.Add(batch.StreamAddAsync("in", "data", $"e{added + i}"));
            }

            batch.Execute();
            await Task.WhenAll(adds);
            added += n;
            long before = redis.Db.StreamLength("out");
            using var child = Start(redis, checkpoint);

            // Half the lives die once they have started writing (between and inside chunks), half at any moment.
            if (round % 2 == 0)
            {
                var running = DateTime.UtcNow.AddSeconds(30);
                while (redis.Db.StreamLength("out") == before && DateTime.UtcNow < running && !child.HasExited)
                {
                    await Task.Delay(5);
                }

                killedWhileWriting += redis.Db.StreamLength("out") < added ? 1 : 0;
                await Task.Delay(random.Next(0, 150));
            }
            else
            {
                await Task.Delay(random.Next(100, 1500));
            }

            if (child.HasExited)
            {
                Assert.Fail($"life {round} exited by itself (code {child.ExitCode}): {await _lastErrors!}");
            }

            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
        }

        // The last life runs until it has caught up.
        using (var last = Start(redis, checkpoint))
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (redis.Db.StreamLength("out") < added && DateTime.UtcNow < deadline && !last.HasExited)
            {
                await Task.Delay(50);
            }

            // A moment more: a duplicate written after catching up would show.
            await Task.Delay(1000);
            Assert.False(last.HasExited, $"the last life exited (code {(last.HasExited ? last.ExitCode : 0)}): {(last.HasExited ? await _lastErrors! : "")}");
            last.Kill(entireProcessTree: true);
            await last.WaitForExitAsync();
        }

        var expected = Enumerable.Range(0, added).Select(i => $"e{i}").ToList();
        var actual = redis.ReadAll("out");
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected, actual);
        Assert.True(killedWhileWriting > 0, "no life was killed while the target was behind the source: the test did not test the crash window");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying child: left in the temporary directory.
        }
    }
}
