using System.Text;
using Sluice.Scheduling;
using Sluice.Storage;

namespace Sluice.Datasets;

/// <summary>The type-independent part of a dataset: identity, dependencies, partitioning and persistence.</summary>
public abstract class RddBase
{
    private protected RddBase(SluiceContext context)
    {
        Context = context;
        Id = context.NewRddId();
    }

    /// <summary>Unique id of this dataset within its context.</summary>
    public int Id { get; }

    /// <summary>The context that created this dataset.</summary>
    public SluiceContext Context { get; }

    /// <summary>Number of partitions.</summary>
    public abstract int NumPartitions { get; }

    /// <summary>The parents this dataset is computed from; none once it is checkpointed (its lineage is cut).</summary>
    public IReadOnlyList<Dependency> Dependencies => CheckpointDirectory is null ? GetDependencies() : [];

    /// <summary>Where this dataset's partitions were written by a data checkpoint, or null.</summary>
    public string? CheckpointDirectory { get; private protected set; }

    /// <summary>The dependencies of the operator, before any checkpoint cut them.</summary>
    private protected abstract IReadOnlyList<Dependency> GetDependencies();

    /// <summary>How the dataset's keys are partitioned, when known.</summary>
    public virtual Partitioner? Partitioner => null;

    /// <summary>Persistence level; <see cref="StorageLevel.None"/> unless persisted.</summary>
    public StorageLevel StorageLevel { get; private protected set; } = StorageLevel.None;

    /// <summary>The operator that made this dataset, for lineage output.</summary>
    public virtual string OperatorName => GetType().Name.Split('`')[0];

    /// <summary>The stream that made this dataset (such as <c>MappedDStream[3]</c>), when a stream did.</summary>
    internal string? Origin { get; set; }

    /// <summary>The operator and the stream that made it, for error messages.</summary>
    internal string OperatorDescription => Origin is null ? ToString() : $"{this} of {Origin}";

    /// <summary>Drops every cached partition of this dataset; later reads recompute from lineage.</summary>
    public void Unpersist()
    {
        for (int p = 0; p < NumPartitions; p++)
        {
            Context.BlockManager.Remove(BlockId.Rdd(Id, p));
        }

        StorageLevel = StorageLevel.None;
    }

    /// <summary>The lineage as an indented tree, like Spark's toDebugString.</summary>
    public string ToDebugString()
    {
        var sb = new StringBuilder();
        Append(this, 0);
        return sb.ToString().TrimEnd();

        void Append(RddBase rdd, int depth)
        {
            sb.Append(' ', depth * 2).Append('(').Append(rdd.NumPartitions).Append(") ").Append(rdd.OperatorName)
                .Append('[').Append(rdd.Id).Append(']');
            if (rdd.StorageLevel.IsValid)
            {
                sb.Append(" [").Append(rdd.StorageLevel).Append(']');
            }

            sb.AppendLine();
            foreach (var dep in rdd.Dependencies)
            {
                if (dep is ShuffleDependency)
                {
                    sb.Append(' ', depth * 2 + 2).AppendLine("+-shuffle");
                }

                Append(dep.Rdd, depth + 1);
            }
        }
    }

    internal bool IsFullyCached()
    {
        if (!StorageLevel.IsValid)
        {
            return false;
        }

        for (int p = 0; p < NumPartitions; p++)
        {
            if (!Context.BlockManager.Contains(BlockId.Rdd(Id, p)))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override string ToString() => $"{OperatorName}[{Id}]";
}
