using Sluice.Datasets;
using Sluice.Storage;

namespace Sluice.Streaming.Operators;

/// <summary>All records of the parent's batches inside a window that slides by a multiple of the parent's slide.</summary>
internal sealed class WindowedDStream<T> : DStream<T>
{
    private readonly DStream<T> _parent;
    private readonly TimeSpan _window;
    private readonly TimeSpan _slide;
    private readonly DStreamBase[] _dependencies;

    public WindowedDStream(DStream<T> parent, TimeSpan window, TimeSpan slide) : base(parent.Context)
    {
        WindowCheck.Validate(parent, window, slide);
        _parent = parent;
        _window = window;
        _slide = slide;
        _dependencies = [parent];

        // Every parent batch is read by several windows: keep it rather than recompute it each time.
        if (!parent.StorageLevel.IsValid)
        {
            parent.Persist(StorageLevel.MemoryOnly);
        }
    }

    public override TimeSpan SlideDuration => _slide;

    public override IReadOnlyList<DStreamBase> Dependencies => _dependencies;

    internal override TimeSpan ParentRememberDuration => RememberDuration + _window;

    internal override bool CarriesState => true;

    private protected override void OnRddForgotten(Time time, Rdd<T> rdd)
    {
        // A window of one batch is the parent's own dataset, which the parent keeps for the next windows: only a
        // dataset this stream made is let go.
        if (rdd.Origin == ToString())
        {
            base.OnRddForgotten(time, rdd);
        }
    }

    protected internal override Rdd<T>? Compute(Time validTime)
    {
        var rdds = _parent.Slice(validTime - _window + _parent.SlideDuration, validTime);
        return rdds.Count switch
        {
            0 => Context.SluiceContext.EmptyRdd<T>(),
            1 => rdds[0],
            _ => Context.SluiceContext.Union(rdds),
        };
    }
}

/// <summary>The rule every window operator shares: window and slide are positive multiples of the parent's slide.</summary>
internal static class WindowCheck
{
    public static void Validate(DStreamBase parent, TimeSpan window, TimeSpan slide)
    {
        long unit = Time.ToMillis(parent.SlideDuration);
        long w = Time.ToMillis(window);
        long s = Time.ToMillis(slide);
        if (w <= 0 || w % unit != 0)
        {
            throw new ArgumentException($"window duration {w} ms must be a positive multiple of {parent}'s slide duration {unit} ms (the batch interval for input streams)");
        }

        if (s <= 0 || s % unit != 0)
        {
            throw new ArgumentException($"slide duration {s} ms must be a positive multiple of {parent}'s slide duration {unit} ms (the batch interval for input streams)");
        }
    }
}
