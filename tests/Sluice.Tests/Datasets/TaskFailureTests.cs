using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.Tests.Datasets;

/// <summary>Task retries: a task that fails once succeeds on its retry; one that always fails fails its job after sluice.task.maxFailures attempts.</summary>
public sealed class TaskFailureTests : DatasetTest
{
    private static readonly int[] Data = [.. Enumerable.Range(0, 400)];

    [Fact]
    public void ATaskThatFailsOnceSucceedsOnRetry()
    {
        // The first record of partition 2 throws on its first evaluation only.
        int target = Inputs.Slices(Data, 4)[2][0];
        var calls = new int[Data.Length];
        var result = Sc.Parallelize(Data, 4).Map(x =>
        {
            if (Interlocked.Increment(ref calls[x]) == 1 && x == target)
            {
                throw new InvalidOperationException($"transient failure at {x}");
            }

            return x * 2;
        }).Collect();

        Expect.SameSequence(Data.Select(x => x * 2), result, "retried map");
        Assert.Equal(2, calls[target]);

        // Only the failed task ran again.
        Assert.All(Data.Where(x => x != target), x => Assert.Equal(1, calls[x]));
    }

    [Fact]
    public void AMapStageTaskThatFailsOnceSucceedsOnRetry()
    {
        int target = Inputs.Slices(Data, 4)[1][5];
        int calls = 0;
        var result = Sc.Parallelize(Data, 4)
            .Map(x =>
            {
                if (x == target && Interlocked.Increment(ref calls) == 1)
                {
                    throw new InvalidOperationException("transient failure before the shuffle");
                }

                return (x % 7, x);
            })
            .ReduceByKey((a, b) => a + b, 3)
            .Collect();

        Expect.SameMultiset(Data.GroupBy(x => x % 7).Select(g => (g.Key, g.Sum())), result, "retried map stage");
        Assert.Equal(2, calls);
    }

    [Fact]
    public void AReduceTaskThatFailsOnceSucceedsOnRetry()
    {
        int calls = 0;
        var result = Sc.Parallelize(Data, 4)
            .Map(x => (x % 7, x))
            .ReduceByKey((a, b) => a + b, 3)
            .Map(kv =>
            {
                if (kv.Item1 == 4 && Interlocked.Increment(ref calls) == 1)
                {
                    throw new InvalidOperationException("transient failure after the shuffle");
                }

                return kv;
            })
            .Collect();

        Expect.SameMultiset(Data.GroupBy(x => x % 7).Select(g => (g.Key, g.Sum())), result, "retried reduce stage");
        Assert.Equal(2, calls);
    }

    [Fact]
    public void AReduceTaskRetryReadsTheSameShuffleOutputWithInPlaceCombiners()
    {
        // Spark lets mergeValue and mergeCombiners modify and return their first argument; a retried reduce task
        // must still see every map task's output as it was written.
        int calls = 0;
        var result = Sc.Parallelize(Data, 4)
            .Map(x => (x % 7, x))
            .CombineByKey(
                v => new List<int> { v },
                (list, v) => { list.Add(v); return list; },
                (a, b) => { a.AddRange(b); return a; },
                new HashPartitioner(3))
            .Map(kv =>
            {
                if (kv.Item1 == 4 && Interlocked.Increment(ref calls) == 1)
                {
                    throw new InvalidOperationException("transient failure after the shuffle");
                }

                return (kv.Item1, string.Join(",", kv.Item2.Order()));
            })
            .Collect();

        Expect.SameMultiset(Data.GroupBy(x => x % 7).Select(g => (g.Key, string.Join(",", g.Order()))), result, "retried reduce with in-place combiners");
        Assert.Equal(2, calls);
    }

    [Fact]
    public void ATaskThatAlwaysFailsFailsTheJobAfterFourAttempts()
    {
        int target = Inputs.Slices(Data, 4)[3][0];
        int attempts = 0;
        Exception? lastThrown = null;
        var error = Assert.Throws<JobFailedException>(() => Sc.Parallelize(Data, 4).Map(x =>
        {
            if (x == target)
            {
                Interlocked.Increment(ref attempts);
                var e = new ArgumentException($"record {x} is poison");
                lastThrown = e;
                throw e;
            }

            return x;
        }).Collect());

        Assert.Equal(4, attempts);
        Assert.Contains("task 3", error.Message);
        Assert.Contains("stage", error.Message);
        Assert.Contains("failed 4 times", error.Message);
        Assert.Contains($"record {target} is poison", error.Message);
        // The task's failure names the operator and the record; the function's own exception is inside it.
        var failure = Assert.IsType<RecordProcessingException>(error.InnerException);
        Assert.Equal(target.ToString(System.Globalization.CultureInfo.InvariantCulture), failure.Record);
        Assert.Same(lastThrown, failure.InnerException);

        // The context survives a failed job.
        Assert.Equal(Data.LongLength, Sc.Parallelize(Data, 4).Count());
    }

    [Fact]
    public void AMapStageTaskThatAlwaysFailsFailsTheJob()
    {
        int attempts = 0;
        var error = Assert.Throws<JobFailedException>(() => Sc.Parallelize(Data, 4)
            .Map(x => x == 7 ? throw new FormatException($"attempt {Interlocked.Increment(ref attempts)}") : (x % 3, x))
            .GroupByKey()
            .Collect());

        Assert.Equal(4, attempts);
        Assert.Contains("task 0", error.Message);
        Assert.Contains("failed 4 times", error.Message);
        var inner = Assert.IsType<FormatException>(Assert.IsType<RecordProcessingException>(error.InnerException).InnerException);
        Assert.Equal("attempt 4", inner.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(6)]
    public void MaxFailuresSetsTheNumberOfAttempts(int maxFailures)
    {
        using var sc = NewContext(conf => conf.Set(ConfigKeys.TaskMaxFailures, maxFailures.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        int attempts = 0;
        var error = Assert.Throws<JobFailedException>(() => sc.Parallelize(Data, 2).Foreach(x =>
        {
            if (x == 0)
            {
                Interlocked.Increment(ref attempts);
                throw new InvalidOperationException("always");
            }
        }));

        Assert.Equal(maxFailures, attempts);
        Assert.Contains($"failed {maxFailures} times", error.Message);
        Assert.IsType<InvalidOperationException>(error.InnerException);

        // A task that fails fewer times than allowed succeeds.
        int flaky = 0;
        var result = sc.Parallelize(Data, 2).Map(x => x == 0 && Interlocked.Increment(ref flaky) < maxFailures ? throw new InvalidOperationException("flaky") : x).Collect();
        Expect.SameSequence(Data, result, $"maxFailures={maxFailures} flaky");
        Assert.Equal(maxFailures, flaky);
        Assert.Equal(0, sc.ShuffleManager.ActiveShuffles);
    }
}
