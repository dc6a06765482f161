using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>
/// A random sample of each partition, as Spark's sample: without replacement each record is kept with probability
/// <c>fraction</c>; with replacement it appears a Poisson(<c>fraction</c>) number of times. The generator of each
/// partition is seeded from the seed and the partition, so a recomputed partition is the same sample.
/// </summary>
internal sealed class SampledRdd<T> : NarrowRdd<T, T>
{
    private readonly bool _withReplacement;
    private readonly double _fraction;
    private readonly long _seed;

    public SampledRdd(Rdd<T> parent, bool withReplacement, double fraction, long seed) : base(parent)
    {
        if (double.IsNaN(fraction) || fraction < 0 || (!withReplacement && fraction > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction,
                withReplacement ? "Sample: the fraction must be >= 0" : "Sample without replacement: the fraction must be in [0, 1]");
        }

        _withReplacement = withReplacement;
        _fraction = fraction;
        _seed = seed;
    }

    public override Partitioner? Partitioner => Parent.Partitioner;

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink)
    {
        // The same mix in every process (HashCode.Combine is randomized per process).
        ulong mixed = unchecked((ulong)_seed * 0x9E3779B97F4A7C15UL + (ulong)partition * 0xBF58476D1CE4E5B9UL);
        var random = new Random(unchecked((int)(mixed ^ (mixed >> 32))));
        Parent.Iterate(partition, task, new Sink(this, random, sink));
    }

    private sealed class Sink(SampledRdd<T> owner, Random random, IChunkSink<T> next) : IChunkSink<T>
    {
        private T[]? _buffer;

        public void Accept(ReadOnlySpan<T> chunk)
        {
            var output = Chunks.Ensure(ref _buffer, chunk.Length);
            int n = 0;
            double fraction = owner._fraction;
            for (int i = 0; i < chunk.Length; i++)
            {
                int copies = owner._withReplacement ? Poisson(random, fraction) : random.NextDouble() < fraction ? 1 : 0;
                for (int c = 0; c < copies; c++)
                {
                    if (n == output.Length)
                    {
                        next.Accept(output);
                        n = 0;
                    }

                    output[n++] = chunk[i];
                }
            }

            if (n > 0)
            {
                next.Accept(new ReadOnlySpan<T>(output, 0, n));
            }
        }
    }

    /// <summary>A Poisson-distributed count (Knuth's method, in steps of at most 10 so that e^-mean does not underflow).</summary>
    internal static int Poisson(Random random, double mean)
    {
        int count = 0;
        while (mean > 0)
        {
            double step = Math.Min(mean, 10);
            mean -= step;
            double limit = Math.Exp(-step);
            double product = random.NextDouble();
            while (product > limit)
            {
                count++;
                product *= random.NextDouble();
            }
        }

        return count;
    }
}
