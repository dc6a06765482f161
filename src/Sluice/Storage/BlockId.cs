namespace Sluice.Storage;

/// <summary>Names a block: <c>input-&lt;stream&gt;-&lt;n&gt;</c>, <c>rdd-&lt;id&gt;-&lt;partition&gt;</c>, <c>shuffle-…</c>.</summary>
public readonly record struct BlockId(string Name)
{
    /// <summary>A cached partition of a dataset.</summary>
    public static BlockId Rdd(int rddId, int partition) => new($"rdd-{rddId}-{partition}");

    /// <summary>A block of received records.</summary>
    public static BlockId Input(int streamId, long sequence) => new($"input-{streamId}-{sequence}");

    /// <summary>True for received-input blocks.</summary>
    public bool IsInput => Name.StartsWith("input-", StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => Name;
}
