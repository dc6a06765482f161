using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Sources;

/// <summary>An input stream fed from a queue of datasets: one (or all queued) per batch, for tests and demos.</summary>
internal sealed class QueueInputDStream<T>(StreamingContext context, Func<List<Rdd<T>>> take, Rdd<T>? defaultRdd) : InputDStream<T>(context)
{
    protected internal override Rdd<T>? Compute(Time validTime)
    {
        var rdds = take();
        Rdd<T> result = rdds.Count switch
        {
            0 => defaultRdd ?? Context.SluiceContext.EmptyRdd<T>(),
            1 => rdds[0],
            _ => Context.SluiceContext.Union(rdds),
        };
        return result;
    }
}
