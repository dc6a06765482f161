namespace Sluice.Cluster.Executors;

/// <summary>A task failed on an executor (the application's code threw there, or the executor refused it): the message says where and why.</summary>
public sealed class RemoteTaskException(string message) : Exception(message);
