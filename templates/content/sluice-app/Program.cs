using Sluice.Configuration;
using Sluice.Streaming;

// Word counts per batch over lines from a TCP server (try: sluice feed --port 9999, then type lines).
// Master, batch interval and every other key come from configuration: --conf flags of sluice submit, SLUICE_* variables
// or conf/sluice-defaults.conf; the defaults below apply when none is given.
string host = args.Length > 0 ? args[0] : "127.0.0.1";
int port = args.Length > 1 ? int.Parse(args[1]) : 9999;
string checkpoint = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "SluiceApp-checkpoint");

var conf = new SluiceConf()
    .SetIfMissing("sluice.app.name", "SluiceApp")
    .SetIfMissing("sluice.master", "local[2]")
    .SetIfMissing("sluice.streaming.batchInterval", "1s")
    .SetIfMissing("sluice.streaming.stopGracefullyOnShutdown", "true");

// On a restart the context comes back from its checkpoint, with the batches that were pending when it stopped.
var ssc = StreamingContext.GetOrCreate(checkpoint, () =>
{
    var context = new StreamingContext(conf);
    context.Checkpoint(checkpoint);
    context.SocketTextStream(host, port)
        .FlatMap(static line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Map(static word => (word, 1L))
        .ReduceByKey(static (a, b) => a + b)
        .Print();
    return context;
});

ssc.Start();
ssc.AwaitTermination();
