using System.Text;
using Sluice.Datasets;

namespace Sluice.Tests.Streaming;

/// <summary>Print writes Spark's format: a dashed header with the batch time, the first records, "..." when there are more, an empty line.</summary>
public class PrintTests
{
    private const string Dashes = "-------------------------------------------";

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 10)]
    [InlineData(8, 10)]
    [InlineData(2, 3)]
    [InlineData(8, 1)]
    public void PrintsTheFirstRecordsOfEveryBatchInSparkFormat(int partitions, int num)
    {
        // Sizes around the limit: empty, fewer, exactly num, one more, many more.
        int[] sizes = [0, num - 1, num, num + 1, 3 * num + 2];
        var rng = new Random(partitions * 100 + num);
        var batches = sizes.Select(n => Enumerable.Range(0, n).Select(i => ($"w{rng.Next(50)}", i)).ToArray()).ToArray();

        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<(string, int)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, partitions)));
        if (num == 10)
        {
            h.Context.QueueStream(queue).Print();
        }
        else
        {
            h.Context.QueueStream(queue).Print(num);
        }

        h.Start();
        var expected = new StringBuilder();
        for (int i = 0; i < batches.Length; i++)
        {
            var batch = h.RunBatch();
            expected.Append(Dashes).Append('\n')
                .Append("Time: ").Append(batch.BatchTime.Milliseconds).Append(" ms\n")
                .Append(Dashes).Append('\n');
            foreach (var (word, n) in batches[i].Take(num))
            {
                expected.Append('(').Append(word).Append(',').Append(n).Append(")\n");
            }

            if (batches[i].Length > num)
            {
                expected.Append("...\n");
            }

            expected.Append('\n');
        }

        Assert.Equal(expected.ToString(), h.Output.ToString());
    }

    [Fact]
    public void PrintsTheBatchTimeInMillisecondsAndTuplesLikeSpark()
    {
        using var h = new StreamingHarness(batchMillis: 250);
        h.Clock.SetTime(1357008430000 - 250);
        var queue = new Queue<Rdd<(string, int)>>();
        queue.Enqueue(h.Context.SluiceContext.Parallelize(new[] { ("hello", 1), ("world", 1) }, 2));
        h.Context.QueueStream(queue).Print();
        h.Start();
        h.RunBatch();

        Assert.Equal(
            "-------------------------------------------\n" +
            "Time: 1357008430000 ms\n" +
            "-------------------------------------------\n" +
            "(hello,1)\n" +
            "(world,1)\n" +
            "\n",
            h.Output.ToString());
    }

    [Fact]
    public void PrintsNestedTuplesBooleansAndOuterJoinOptionsLikeScala()
    {
        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<(string, (bool, Optional<int>))>>();
        queue.Enqueue(h.Context.SluiceContext.Parallelize(new[] { ("a", (true, new Optional<int>(3))), ("b", (false, Optional<int>.None)) }, 1));
        h.Context.QueueStream(queue).Print();
        h.Start();
        h.RunBatch();

        Assert.Equal(
            "-------------------------------------------\nTime: 1000 ms\n-------------------------------------------\n" +
            "(a,(true,Some(3)))\n(b,(false,None))\n\n",
            h.Output.ToString());
    }
}
