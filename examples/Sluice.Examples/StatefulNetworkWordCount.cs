using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>
/// Spark's StatefulNetworkWordCount: running word counts over text from a TCP server, kept with MapWithState, starting
/// from an initial state of ("hello", 1) and ("world", 1). Each batch prints the new totals of the words it saw.
/// </summary>
public static class StatefulNetworkWordCount
{
    /// <summary>Runs the example: <c>StatefulNetworkWordCount &lt;hostname&gt; &lt;port&gt;</c>.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string host = args[0];
        int port = ExampleArgs.Port(args[1]);
        // Spark's example checkpoints to "."; a private temporary directory keeps runs from sharing stale state.
        string checkpoint = Directory.CreateTempSubdirectory("sluice-stateful-wordcount-").FullName;
        try
        {
            return Run(host, port, checkpoint, env);
        }
        finally
        {
            Directory.Delete(checkpoint, recursive: true);
        }
    }

    private static int Run(string host, int port, string checkpoint, ExampleEnvironment env)
    {
        using var ssc = env.CreateContext("StatefulNetworkWordCount", TimeSpan.FromSeconds(1));
        ssc.Checkpoint(checkpoint);
        var initialRdd = ssc.SluiceContext.Parallelize(new[] { ("hello", 1), ("world", 1) });
        var wordDstream = ssc.SocketTextStream(host, port).FlatMap(line => line.Split(' ')).Map(word => (word, 1));

        // The new total of a word: this batch's occurrence plus the state so far.
        static (string, int) MappingFunc(string word, Optional<int> one, State<int> state)
        {
            int sum = one.GetValueOrDefault(0) + state.GetOption().GetValueOrDefault(0);
            state.Update(sum);
            return (word, sum);
        }

        var stateDstream = wordDstream.MapWithState(StateSpec.Function<string, int, int, (string, int)>(MappingFunc).InitialState(initialRdd));
        stateDstream.Print();
        return env.RunUntilStopped(ssc);
    }
}
