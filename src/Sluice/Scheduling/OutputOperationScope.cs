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

    public sealed class Current(long batchTime, int outputOpId, string name)
    {
        private int _jobs;

        public long BatchTime { get; } = batchTime;

        public int OutputOpId { get; } = outputOpId;

        public string Name { get; } = name;

        /// <summary>The index of the next job the operation submits (0, 1, …): with batch and operation, a job named as data.</summary>
        public int NextJobIndex() => Interlocked.Increment(ref _jobs) - 1;
    }

    public readonly struct Restore(Current? outer) : IDisposable
    {
        public void Dispose() => Value.Value = outer;
    }
}
