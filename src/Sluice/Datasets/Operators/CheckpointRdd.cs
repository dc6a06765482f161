using Sluice.Recovery;
using Sluice.Scheduling;
using Sluice.Storage;

namespace Sluice.Datasets.Operators;

/// <summary>A dataset read back from a data checkpoint directory (its manifest and <c>part-NNNNN</c> files, checked as they are read), as after a restart.</summary>
internal sealed class CheckpointRdd<T> : Rdd<T>
{
    private readonly string _directory;
    private readonly int _partitions;
    private readonly Partitioner? _partitioner;

    public CheckpointRdd(SluiceContext context, string directory, Partitioner? partitioner) : base(context)
    {
        _directory = directory;
        _partitions = DataCheckpoint.ReadManifest(directory).Partitions;
        _partitioner = partitioner is not null && partitioner.NumPartitions == _partitions ? partitioner : null;
        CheckpointDirectory = directory;
    }

    public override int NumPartitions => _partitions;

    public override Partitioner? Partitioner => _partitioner;

    private protected override IReadOnlyList<Dependency> GetDependencies() => [];

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink) =>
        Chunks.Push<T>(ReadCheckpointPartition(_directory, partition), sink);
}
