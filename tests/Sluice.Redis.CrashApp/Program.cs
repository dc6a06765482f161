using Sluice.Configuration;
using Sluice.Redis;
using Sluice.Streaming;

// The kill test's child: the entries of the Redis stream 'in' copied to the stream 'out' by the direct stream and the
// stream sink, checkpointed, recovering from its checkpoint after SIGKILL; 'out' must end equal to 'in'.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Sluice.Redis.CrashApp <server> <checkpoint-directory> [batch-ms]");
    return 2;
}

string server = args[0];
string checkpoint = args[1];
int batchMs = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 100;
try
{
    using var ssc = StreamingContext.GetOrCreate(checkpoint, () =>
    {
        var conf = new SluiceConf()
            .SetMaster("local[2]")
            .SetAppName("redis-crash")
            .Set(ConfigKeys.UiEnabled, "false")
            .Set(ConfigKeys.LogLevel, "error")
            .Set(ConfigKeys.OutputRetryBackoff, "100ms");
        var context = new StreamingContext(conf, TimeSpan.FromMilliseconds(batchMs));
        context.Checkpoint(checkpoint);

        // 700 a batch at most: batches span more than one 500-entry chunk of the sink, so kills land between chunks too.
        RedisUtils.CreateDirectStream(context, server, ["in"], new RedisStreamOptions { MaxRatePerStream = 700.0 * 1000 / batchMs })
            .Map(e => e.Text())
            .SaveToRedis(server, "out");
        return context;
    });
    ssc.Start();
    ssc.AwaitTermination();
    return 0;
}
catch (Exception e) when (e is StreamingQueryException or Sluice.Recovery.CheckpointException)
{
    Console.Error.WriteLine($"redis-crash: {e.Message}");
    return 1;
}
