using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>A dataset over an in-memory collection, cut into slices.</summary>
internal sealed class ParallelCollectionRdd<T> : Rdd<T>
{
    private readonly T[][] _slices;

    public ParallelCollectionRdd(SluiceContext context, IEnumerable<T> data, int slices) : base(context)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slices);
        T[] all = data as T[] ?? data.ToArray();
        _slices = new T[slices][];
        for (int i = 0; i < slices; i++)
        {
            int start = (int)((long)i * all.Length / slices);
            int end = (int)((long)(i + 1) * all.Length / slices);
            _slices[i] = all[start..end];
        }
    }

    public ParallelCollectionRdd(SluiceContext context, T[][] slices) : base(context) => _slices = slices;

    public override int NumPartitions => _slices.Length;

    private protected override IReadOnlyList<Dependency> GetDependencies() => [];

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink) => Chunks.Push<T>(_slices[partition], sink);
}
