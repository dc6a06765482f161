using Sluice.Streaming;

namespace Sluice.Tests.Recovery;

/// <summary>
/// Exactly-once needs a batch's input on record before any of its outputs can commit: when an output job runs, the
/// newest metadata checkpoint already names the batch as pending and the files it reads.
/// </summary>
public sealed class CheckpointOrderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-checkpoint-order-").FullName;

    [Fact(Timeout = 60_000)]
    public async Task ABatchsInputIsCheckpointedBeforeItsOutputRuns()
    {
        await Task.Yield();
        string input = Path.Combine(_root, "in");
        string checkpoint = Path.Combine(_root, "checkpoint");
        Directory.CreateDirectory(input);
        var problems = new List<string>();
        int outputs = 0;
        void Program(StreamingContext ssc) => ssc.TextFileStream(input).ForeachRDD((rdd, time) =>
        {
            var latest = global::Sluice.Recovery.Checkpoint.ReadLatest(Path.Combine(checkpoint, "metadata"));
            string? files = latest?.StreamData.GetValueOrDefault(0);
            string expected = $"batch-{time.Milliseconds}.txt";
            if (latest is null || !latest.PendingTimesMs.Contains(time.Milliseconds) || files is null || !files.Contains(expected, StringComparison.Ordinal))
            {
                lock (problems)
                {
                    problems.Add($"batch {time}: newest checkpoint {latest?.CheckpointTimeMs} pending [{string.Join(",", latest?.PendingTimesMs ?? [])}] does not record {expected}");
                }
            }

            Interlocked.Increment(ref outputs);
        });

        using var h = StreamingHarness.Recoverable(checkpoint, Program);
        h.Start();
        for (int b = 1; b <= 15; b++)
        {
            string temporary = Path.Combine(input, $".batch-{b * 1000}");
            File.WriteAllText(temporary, $"line {b}\n");
            File.Move(temporary, Path.Combine(input, $"batch-{b * 1000}.txt"));
            h.RunBatch();
        }

        Assert.Equal(15, outputs);
        Assert.Empty(problems);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
