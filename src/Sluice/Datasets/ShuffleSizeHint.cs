namespace Sluice.Datasets;

/// <summary>
/// How many distinct keys a map task of a recurring shuffle combined last time. A stream's shuffle sees much the same
/// key space every batch, so its map-side table is created at that size instead of growing (and rehashing) to it.
/// </summary>
internal sealed class ShuffleSizeHint
{
    private int _mapSideKeys;

    public int MapSideKeys => Volatile.Read(ref _mapSideKeys);

    public void Observe(int keys) => Volatile.Write(ref _mapSideKeys, keys);
}
