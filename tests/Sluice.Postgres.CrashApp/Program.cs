using Sluice.Configuration;
using Sluice.Postgres;
using Sluice.Streaming;

// The kill test's child: word counts of every file dropped in a directory, written exactly once to PostgreSQL by two
// sinks (per-batch rows by COPY, running totals by an adding upsert), recovering from its checkpoint after SIGKILL.
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: Sluice.Postgres.CrashApp <input-directory> <checkpoint-directory> <connection-string> [batch-ms]");
    return 2;
}

string input = args[0];
string checkpoint = args[1];
string connectionString = args[2];
int batchMs = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 100;
try
{
    using var ssc = StreamingContext.GetOrCreate(checkpoint, () =>
    {
        var conf = new SluiceConf()
            .SetMaster("local[2]")
            .SetAppName("pg-crash")
            .Set(ConfigKeys.UiEnabled, "false")
            .Set(ConfigKeys.LogLevel, "error")
            .Set(ConfigKeys.OutputRetryBackoff, "100ms");
        var context = new StreamingContext(conf, TimeSpan.FromMilliseconds(batchMs));
        context.Checkpoint(checkpoint);
        var counts = context.TextFileStream(input, newFilesOnly: false)
            .FlatMap(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Map(word => (word, 1L))
            .ReduceByKey((a, b) => a + b);
        var batches = counts.Transform((rdd, time) => rdd.Map(c => (Batch: time.Milliseconds, c.Item1, c.Item2)))
            .SaveToPostgres(connectionString, "word_batches", PostgresColumns<(long, string, long)>.Map("batch_time", "word", "count"));
        var totals = counts.SaveToPostgres(
            connectionString,
            "word_totals",
            new PostgresColumns<(string Word, long Count)>().Add("word", c => c.Word).Add("count", c => c.Count),
            new PostgresSinkOptions { ConflictColumns = ["word"], UpdateSet = "count = word_totals.count + EXCLUDED.count" });

        // PG_CRASH_SELF_KILL_AFTER=n: SIGKILL this process right after its n-th commit in this life, before the engine
        // records the output done: the batch runs again after the restart and must find its mark (the narrowest window
        // there is). n = 1 dies between the two sinks of one batch, n = 2 after both. Counting commits instead of drawing
        // lots makes every such life die, so the test's count of those deaths cannot fall short by chance.
        if (int.TryParse(Environment.GetEnvironmentVariable("PG_CRASH_SELF_KILL_AFTER"), System.Globalization.CultureInfo.InvariantCulture, out int after) && after > 0)
        {
            int commits = 0;
            void Die(Time _)
            {
                if (Interlocked.Increment(ref commits) == after)
                {
                    System.Diagnostics.Process.GetCurrentProcess().Kill();
                }
            }

            batches!.AfterCommit = Die;
            totals!.AfterCommit = Die;
        }

        return context;
    });
    ssc.Start();
    ssc.AwaitTermination();
    return 0;
}
catch (Exception e) when (e is StreamingQueryException or PostgresSinkException or Sluice.Recovery.CheckpointException)
{
    Console.Error.WriteLine($"pg-crash: {e.Message}");
    return 1;
}
