using Sluice.Configuration;
using Sluice.Streaming;

/// <summary>
/// A user application as <c>sluice submit</c> runs it: master, batch interval and every other key come from the
/// configuration sluice passes on, and the context stops on SIGINT or SIGTERM.
/// </summary>
internal static class SocketWordCountApp
{
    public static int Run(string host, int port)
    {
        var ssc = new StreamingContext(new SluiceConf().SetAppName("socket-wordcount"));
        ssc.SocketTextStream(host, port)
            .FlatMap(static line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Map(static word => (word, 1L))
            .ReduceByKey(static (a, b) => a + b)
            .Print(1000);
        ssc.Start();
        ssc.AwaitTermination();
        Console.WriteLine("stopped");
        return 0;
    }
}
