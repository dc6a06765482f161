using Sluice.Scheduling;

namespace Sluice.Shared;

/// <summary>Sums doubles and counts them (Spark's DoubleAccumulator); made by <see cref="SluiceContext.DoubleAccumulator"/>.</summary>
public sealed class DoubleAccumulator : NumericAccumulator<double>
{
    internal DoubleAccumulator(SluiceContext context, long id, string? name) : base(context, id, name) { }

    private protected override Accumulator NewBuffer() => new DoubleAccumulator(Context, Id, Name);
}
