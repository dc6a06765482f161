using Sluice.Scheduling;

namespace Sluice.Shared;

/// <summary>Sums 64-bit integers and counts them (Spark's LongAccumulator); made by <see cref="SluiceContext.LongAccumulator"/>.</summary>
public sealed class LongAccumulator : NumericAccumulator<long>
{
    internal LongAccumulator(SluiceContext context, long id, string? name) : base(context, id, name) { }

    private protected override Accumulator NewBuffer() => new LongAccumulator(Context, Id, Name);
}
