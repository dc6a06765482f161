using Sluice.Scheduling;
using Sluice.Storage;

namespace Sluice.Datasets.Operators;

/// <summary>A dataset read back from a data checkpoint directory (<c>part-NNNNN</c> files), as after a restart.</summary>
internal sealed class CheckpointRdd<T> : Rdd<T>
{
    private readonly string _directory;
    private readonly int _partitions;
    private readonly Partitioner? _partitioner;

    public CheckpointRdd(SluiceContext context, string directory, Partitioner? partitioner) : base(context)
    {
        _directory = directory;
        _partitions = Directory.GetFiles(directory, "part-*").Count(static f => !f.EndsWith(".tmp", StringComparison.Ordinal));
        _partitioner = partitioner is not null && partitioner.NumPartitions == _partitions ? partitioner : null;
        CheckpointDirectory = directory;
    }

    public override int NumPartitions => _partitions;

    public override Partitioner? Partitioner => _partitioner;

    private protected override IReadOnlyList<Dependency> GetDependencies() => [];

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink) =>
        Chunks.Push<T>(RecordSerializer.Instance.Deserialize<T>(File.ReadAllBytes(Path.Combine(_directory, $"part-{partition:D5}"))), sink);
}
