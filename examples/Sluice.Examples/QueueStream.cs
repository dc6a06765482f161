using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>Spark's QueueStream example: datasets pushed into a queue become a stream; counts values by their last digit.</summary>
public static class QueueStream
{
    /// <summary>Number of datasets the example queues.</summary>
    public const int Datasets = 30;

    /// <summary>The records of each queued dataset.</summary>
    public static IEnumerable<int> DatasetContents => Enumerable.Range(1, 1000);

    /// <summary>Runs the example: queues 30 datasets of 1..1000, one per batch, then stops.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        using var ssc = env.CreateContext("QueueStream", TimeSpan.FromSeconds(1));
        var queue = new Queue<Rdd<int>>();
        var input = ssc.QueueStream(queue);
        var reduced = input.Map(x => (x % 10, 1)).ReduceByKey((a, b) => a + b);
        reduced.Print();
        long batchesWithData = 0;
        input.ForeachRDD(rdd =>
        {
            if (rdd.NumPartitions > 0 && Interlocked.Increment(ref batchesWithData) == Datasets)
            {
                ssc.Stop(stopSluiceContext: true, stopGracefully: true);
            }
        });
        lock (queue)
        {
            for (int i = 0; i < Datasets; i++)
            {
                queue.Enqueue(ssc.SluiceContext.Parallelize(DatasetContents, 10));
            }
        }

        return env.RunUntilStopped(ssc);
    }
}
