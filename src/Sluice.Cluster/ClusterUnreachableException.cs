namespace Sluice.Cluster;

/// <summary>A worker or driver could not reach the cluster's membership store (or, for development clustering, its primary worker).</summary>
public sealed class ClusterUnreachableException(string message, Exception? inner = null) : IOException(message, inner);
