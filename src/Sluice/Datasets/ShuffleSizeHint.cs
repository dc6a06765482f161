namespace Sluice.Datasets;

/// <summary>
/// How many distinct keys a recurring per-batch table held last time (a shuffle's map-side table, a window's merge
/// table). A stream sees much the same key space every batch, so the table is created at that size instead of growing
/// (and rehashing) to it.
/// </summary>
internal sealed class ShuffleSizeHint
{
    private int _mapSideKeys;

    public int ExpectedKeys => Volatile.Read(ref _mapSideKeys);

    public void Observe(int keys) => Volatile.Write(ref _mapSideKeys, keys);
}
