namespace Sluice.Scheduling;

/// <summary>
/// The output operation whose body runs on this flow of control (Spark's job-local properties), so that the jobs it
/// submits are filed under their batch and operation.
/// </summary>
internal static class OutputOperationScope
{
    private static readonly AsyncLocal<Current?> Value = new();

    public static Current? Now => Value.Value;

    /// <summary>Marks the flow as running <paramref name="outputOpId"/> of <paramref name="batchTime"/> until disposed.</summary>
    public static Restore Enter(long batchTime, int outputOpId, string name)
    {
        var outer = Value.Value;
        Value.Value = new Current(batchTime, outputOpId, name);
        return new Restore(outer);
    }

    public sealed record Current(long BatchTime, int OutputOpId, string Name);

    public readonly struct Restore(Current? outer) : IDisposable
    {
        public void Dispose() => Value.Value = outer;
    }
}
