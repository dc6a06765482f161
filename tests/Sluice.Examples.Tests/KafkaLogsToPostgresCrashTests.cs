using System.Diagnostics;
using Npgsql;
using Sluice.Postgres.Tests;

namespace Sluice.Examples.Tests;

/// <summary>
/// The kill test of the seed's pipeline: <c>sluice run-example KafkaLogsToPostgres</c> as a child process, SIGKILLed at
/// random moments (start-up and recovery, any moment of a batch, right after a transaction committed, with its checkpoint
/// deleted) while the test keeps producing to the mock cluster in this process; after the last restart and a graceful
/// stop (SIGTERM) the table equals a LINQ reference over every line produced.
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed class KafkaLogsToPostgresCrashTests : IDisposable
{
    private readonly PostgresServer? _server = PostgresServer.Missing is null ? new PostgresServer() : null;
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-k2pg-crash-").FullName;
    private Task<string>? _lastErrors;

    private PostgresServer Server => _server!;

    private Process Start(LogTopic logs, string checkpoint)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "Sluice.Cli.dll"), "run-example", "KafkaLogsToPostgres", logs.Brokers, logs.Topic, Server.ConnectionString, checkpoint,
            "--batch-interval", "100ms", "--master", "local[2]", "--conf", "sluice.ui.enabled=false", "--conf", "sluice.log.level=error",
            "--conf", "sluice.streaming.output.retryBackoff=100ms",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _lastErrors = process.StandardError.ReadToEndAsync();
        return process;
    }

    private string? LastCommit() => Server.Query("SELECT coalesce(max(c.batch_time), 0)::text || '/' || coalesce(sum(until_offset), 0)::text FROM sluice_commits c LEFT JOIN sluice_offsets o USING (sink_id)").SingleOrDefault();

    [PostgresFact(Timeout = 300_000)]
    public async Task KilledAtRandomMomentsWhileProducingTheTableEndsEqualToTheReference()
    {
        using var logs = new LogTopic();
        string checkpoint = Path.Combine(_root, "checkpoint");
        Server.Execute(
            "CREATE TABLE IF NOT EXISTS sluice_commits (sink_id text PRIMARY KEY, batch_time bigint NOT NULL, committed_at timestamptz NOT NULL DEFAULT now());" +
            "CREATE TABLE IF NOT EXISTS sluice_offsets (sink_id text NOT NULL, topic text NOT NULL, partition integer NOT NULL, until_offset bigint NOT NULL, batch_time bigint NOT NULL, PRIMARY KEY (sink_id, topic, partition));" +
            "CREATE FUNCTION notify_commit() RETURNS trigger AS $$ BEGIN PERFORM pg_notify('sluice_commit', NEW.batch_time::text); RETURN NEW; END $$ LANGUAGE plpgsql;" +
            "CREATE TRIGGER commit_notify AFTER INSERT OR UPDATE ON sluice_commits FOR EACH ROW EXECUTE FUNCTION notify_commit();");
        logs.Produce(300);

        // The test keeps producing while the child lives, dies and recovers (about 400 lines/s).
        using var producing = new CancellationTokenSource();
        var producer = Task.Run(async () =>
        {
            while (!producing.IsCancellationRequested)
            {
                logs.Produce(20);
                await Task.Delay(50);
            }
        });

        var random = new Random(20261202);
        int kills = int.TryParse(Environment.GetEnvironmentVariable("K2PG_CRASH_TEST_KILLS"), out int asked) && asked > 0 ? asked : 20;
        int killedOnCommit = 0;
        int killedAfterProgress = 0;
        int withoutCheckpoint = 0;
        var watch = Stopwatch.StartNew();
        for (int round = 0; round < kills; round++)
        {
            if (round % 7 == 6 && Directory.Exists(checkpoint))
            {
                // Positions live with the data: without its checkpoint the stream starts where the table ends.
                Directory.Delete(checkpoint, recursive: true);
                withoutCheckpoint++;
            }

            string? before = LastCommit();
            using var child = Start(logs, checkpoint);
            switch (round % 3)
            {
                case 0:
                    // Any moment: start-up, recovery, a job, a transaction.
                    await Task.Delay(random.Next(100, 1500));
                    break;
                case 1:
                {
                    // Once it has committed progress of its own, somewhere in a later batch.
                    var running = DateTime.UtcNow.AddSeconds(20);
                    while (LastCommit() == before && DateTime.UtcNow < running && !child.HasExited)
                    {
                        await Task.Delay(10);
                    }

                    killedAfterProgress += LastCommit() != before ? 1 : 0;
                    await Task.Delay(random.Next(0, 300));
                    break;
                }

                default:
                {
                    // The moment PostgreSQL commits a batch (a trigger notifies us), before the engine records its output done.
                    await using var listener = new NpgsqlConnection(Server.ConnectionString + ";Pooling=false");
                    await listener.OpenAsync();
                    var committed = new TaskCompletionSource();
                    listener.Notification += (_, _) => committed.TrySetResult();
                    await using (var listen = new NpgsqlCommand("LISTEN sluice_commit", listener))
                    {
                        await listen.ExecuteNonQueryAsync();
                    }

                    using var waiting = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                    try
                    {
                        while (!committed.Task.IsCompleted && !child.HasExited)
                        {
                            await listener.WaitAsync(TimeSpan.FromMilliseconds(200), waiting.Token);
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        // Checked below: a life that never commits is a failure of its own.
                    }

                    if (committed.Task.IsCompleted && !child.HasExited)
                    {
                        child.Kill(entireProcessTree: true);
                        killedOnCommit++;
                    }

                    break;
                }
            }

            if (child.HasExited && child.ExitCode != 137 && child.ExitCode != -1)
            {
                Assert.Fail($"life {round} exited by itself (code {child.ExitCode}): {await _lastErrors!}");
            }

            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
        }

        producing.Cancel();
        await producer;
        var killing = watch.Elapsed;

        using (var last = Start(logs, checkpoint))
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (KafkaLogsToPostgresTests.StoredPositions(Server, logs.Topic) != logs.Produced && DateTime.UtcNow < deadline && !last.HasExited)
            {
                await Task.Delay(100);
            }

            Assert.False(last.HasExited, $"the last run exited by itself (code {(last.HasExited ? last.ExitCode : 0)}): {(last.HasExited ? await _lastErrors! : "")}");
            Assert.Equal(0, Terminate(last.Id));
            Assert.True(last.WaitForExit(60_000), "the last run did not stop within 60 s of SIGTERM");
            Assert.True(last.ExitCode == 0, $"the last run stopped with code {last.ExitCode}: {await _lastErrors!}");
        }

        Assert.Equal(logs.Produced, KafkaLogsToPostgresTests.StoredPositions(Server, logs.Topic));
        Assert.Equal(logs.Reference(), KafkaLogsToPostgresTests.Table(Server));
        Assert.True(killedOnCommit >= kills / 6, $"only {killedOnCommit} of {kills} lives were killed on a commit");
        Assert.True(killedAfterProgress >= kills / 6, $"only {killedAfterProgress} of {kills} lives committed progress before the kill");
        Assert.True(withoutCheckpoint >= 1, "no life started without its checkpoint");
        Assert.True(killing < TimeSpan.FromSeconds(7.5 * kills), $"{kills} lives took {killing.TotalSeconds:F0} s");
    }

    /// <summary>Sends SIGTERM, the graceful stop.</summary>
    private static int Terminate(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
        return kill.ExitCode;
    }

    public void Dispose()
    {
        _server?.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
