namespace Sluice.Datasets.Operators;

/// <summary>A union of datasets, whatever its record type: which parent partition each of its partitions is.</summary>
internal interface IUnionRdd
{
    (RddBase Parent, int Partition) ParentPartition(int partition);
}
