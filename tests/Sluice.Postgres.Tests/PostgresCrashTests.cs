using System.Diagnostics;

namespace Sluice.Postgres.Tests;

/// <summary>Tests that run child processes and kill them; alone, so that a loaded machine does not starve the child's 100 ms batches.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChildProcessCollection
{
    public const string Name = "child processes";
}

/// <summary>
/// The kill test: a word count writing exactly once to PostgreSQL (per-batch rows by COPY, running totals by an adding
/// upsert), run as a child process, fed files and killed with SIGKILL at random moments (start-up, recovery, a job, a
/// transaction). After the last restart both tables equal a LINQ reference over every line dropped.
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed class PostgresCrashTests : IDisposable
{
    private readonly PostgresServer? _server = PostgresServer.Missing is null ? new PostgresServer() : null;
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-pg-crash-").FullName;
    private Task<string>? _lastErrors;

    private PostgresServer Server => _server!;

    private Process Start(string input, string checkpoint, int selfKillAfter = 0)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PG_CRASH_SELF_KILL_AFTER"] = selfKillAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Sluice.Postgres.CrashApp.dll"), input, checkpoint, Server.ConnectionString, "100" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _lastErrors = process.StandardError.ReadToEndAsync();
        return process;
    }

    private string? LastCommit() => Server.Query("SELECT coalesce(max(batch_time), 0) FROM sluice_commits").SingleOrDefault();

    [PostgresFact(Timeout = 420_000)]
    public async Task KilledAtRandomMomentsTheTablesEndEqualToTheReference()
    {
        string input = Path.Combine(_root, "in");
        string checkpoint = Path.Combine(_root, "checkpoint");
        Directory.CreateDirectory(input);
        Server.Execute(
            "CREATE TABLE word_batches (batch_time bigint NOT NULL, word text NOT NULL, count bigint NOT NULL);" +
            "CREATE TABLE word_totals (word text PRIMARY KEY, count bigint NOT NULL);" +
            "CREATE TABLE IF NOT EXISTS sluice_commits (sink_id text PRIMARY KEY, batch_time bigint NOT NULL, committed_at timestamptz NOT NULL DEFAULT now());");
        var random = new Random(20261201);
        var allLines = new List<string>();

        // 20 in CI (about a minute); bench/crash-test.sh asks for more through PG_CRASH_TEST_KILLS.
        int kills = int.TryParse(Environment.GetEnvironmentVariable("PG_CRASH_TEST_KILLS"), out int asked) && asked > 0 ? asked : 20;
        int killedAfterCommit = 0;
        int selfKilled = 0;
        int selfKillLives = 0;
        for (int round = 0; round < kills; round++)
        {
            string? before = LastCommit();

            // One life in three kills itself right after a transaction committed, before the engine records it.
            bool selfKill = round % 3 == 2;
            using var child = Start(input, checkpoint, selfKill ? 1 + random.Next(2) : 0);
            selfKillLives += selfKill ? 1 : 0;
            for (int f = 0; f < 1 + round % 2; f++)
            {
                var lines = Enumerable.Range(0, random.Next(1, 6)).Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, 8)).Select(_ => $"w{random.Next(12)}"))).ToArray();
                string temporary = Path.Combine(input, $".file-{round}-{f}");
                await File.WriteAllLinesAsync(temporary, lines);
                File.Move(temporary, Path.Combine(input, $"file-{round}-{f}.txt"));
                allLines.AddRange(lines);
            }

            // One life in three is killed once it has committed a batch of its own (inside later jobs and transactions),
            // one at any moment (start-up and recovery included), one kills itself after a commit.
            if (selfKill)
            {
                var dying = DateTime.UtcNow.AddSeconds(30);
                while (!child.HasExited && DateTime.UtcNow < dying)
                {
                    await Task.Delay(10);
                }

                if (child.HasExited)
                {
                    selfKilled++;
                    Assert.Equal(137, child.ExitCode);
                    await child.WaitForExitAsync();
                    continue;
                }
            }
            else if (round % 3 == 1)
            {
                var running = DateTime.UtcNow.AddSeconds(20);
                while (LastCommit() == before && DateTime.UtcNow < running && !child.HasExited)
                {
                    await Task.Delay(10);
                }

                if (LastCommit() != before)
                {
                    killedAfterCommit++;
                }

                await Task.Delay(random.Next(0, 400));
            }
            else
            {
                await Task.Delay(random.Next(100, 1200));
            }

            if (child.HasExited)
            {
                Assert.Fail($"life {round} exited by itself (code {child.ExitCode}): {await _lastErrors!}");
            }

            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
        }

        var expected = allLines.SelectMany(l => l.Split(' ')).GroupBy(w => w).Select(g => $"{g.Key} {g.Count()}").Order(StringComparer.Ordinal).ToList();
        List<string> Totals() => [.. Server.Query("SELECT word || ' ' || count FROM word_totals").Select(r => r!).Order(StringComparer.Ordinal)];
        using (var last = Start(input, checkpoint))
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!Totals().SequenceEqual(expected) && DateTime.UtcNow < deadline && !last.HasExited)
            {
                await Task.Delay(100);
            }

            bool exited = last.HasExited;
            last.Kill(entireProcessTree: true);
            await last.WaitForExitAsync();
            if (exited)
            {
                Assert.Fail($"the last run exited by itself (code {last.ExitCode}): {await _lastErrors!}");
            }
        }

        Assert.Equal(expected, Totals());
        var summed = Server.Query("SELECT word || ' ' || sum(count) FROM word_batches GROUP BY word").Select(r => r!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, summed);
        Assert.Equal(Server.Query("SELECT count(*) FROM word_batches"), Server.Query("SELECT count(*) FROM (SELECT DISTINCT batch_time, word FROM word_batches) d"));

        // Most lives must have died after committing something, or the test would not have killed any transaction.
        Assert.True(killedAfterCommit >= kills / 6, $"only {killedAfterCommit} of {kills} lives committed a batch before the kill");
        // Every such life commits its new files (at least two commits: one per sink), so every one of them must have died.
        Assert.True(selfKilled == selfKillLives, $"only {selfKilled} of {selfKillLives} lives killed themselves right after a commit");
    }

    public void Dispose()
    {
        _server?.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
