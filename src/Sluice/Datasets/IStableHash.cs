namespace Sluice.Datasets;

/// <summary>
/// A key type whose hash is the same in every process, so that a driver and its executors agree on the shuffle
/// partition of a key. Implement it on records or classes used as keys in cluster mode: their compiler-made
/// GetHashCode hashes string members with the per-process randomized string hash.
/// </summary>
public interface IStableHash
{
    /// <summary>A hash code that depends only on the value, never on the process (combine members with <see cref="KeyHash.Of{T}"/>).</summary>
    int StableHashCode();
}
