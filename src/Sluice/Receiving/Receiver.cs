using Sluice.Storage;

namespace Sluice.Receiving;

/// <summary>
/// User-extensible ingestion, as Spark's Receiver: <see cref="OnStart"/> starts threads that read a source and call
/// <see cref="Store(T)"/>; <see cref="OnStop"/> stops them. The engine restarts a receiver after <see cref="Restart"/> or an error.
/// </summary>
public abstract class Receiver<T>
{
    private IReceiverSupervisor<T>? _supervisor;

    /// <summary>Creates a receiver whose blocks are kept at <paramref name="storageLevel"/> (default MemoryAndDisk).</summary>
    protected Receiver(StorageLevel? storageLevel = null) => StorageLevel = storageLevel ?? StorageLevel.MemoryAndDisk;

    /// <summary>How received blocks are stored (default MemoryAndDisk: objects in memory, spilled to disk under pressure).</summary>
    public StorageLevel StorageLevel { get; }

    /// <summary>Id of the input stream this receiver feeds.</summary>
    public int StreamId { get; internal set; }

    /// <summary>Where the receiver would like to run, or null for anywhere.</summary>
    public virtual string? PreferredLocation => null;

    /// <summary>Starts receiving: must return promptly, doing the reading on threads of its own.</summary>
    public abstract void OnStart();

    /// <summary>Stops receiving and frees what <see cref="OnStart"/> set up.</summary>
    public abstract void OnStop();

    /// <summary>True between a start and the next stop.</summary>
    public bool IsStarted => Supervisor.IsReceiverStarted;

    /// <summary>True once the receiver has been stopped for good (no restart pending).</summary>
    public bool IsStopped => Supervisor.IsReceiverStopped;

    /// <summary>Stores one record; it goes into the current block.</summary>
    public void Store(T record) => Supervisor.PushSingle(record);

    /// <summary>Stores several records into the current block.</summary>
    public void Store(IEnumerable<T> records)
    {
        switch (records)
        {
            case T[] array:
                Supervisor.PushMany(array);
                break;
            case List<T> list:
                Supervisor.PushMany(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
                break;
            default:
                foreach (var r in records)
                {
                    Supervisor.PushSingle(r);
                }

                break;
        }
    }

    /// <summary>Stores a batch of records as one block and calls <paramref name="onStored"/> once it is stored durably, so a reliable source can acknowledge.</summary>
    public void Store(IReadOnlyList<T> records, Action onStored) => Supervisor.PushBlock([.. records], onStored);

    /// <summary>Asks the engine to stop and start this receiver again after <paramref name="delay"/> (default: the configured restart delay).</summary>
    public void Restart(string message, Exception? error = null, TimeSpan? delay = null) => Supervisor.RestartReceiver(message, error, delay);

    /// <summary>Stops this receiver for good.</summary>
    public void Stop(string message, Exception? error = null) => Supervisor.StopReceiver(message, error);

    /// <summary>Reports a problem to the listeners and the log without stopping.</summary>
    public void ReportError(string message, Exception? error = null) => Supervisor.ReportError(message, error);

    /// <summary>
    /// Reports input that could not be stored and is given up (a block that does not deserialize): counted as an error
    /// of this receiver and, with its <paramref name="records"/> (-1 when unknown), on the context's InputErrors.
    /// </summary>
    public void ReportLostRecords(string message, long records, Exception? error = null) => Supervisor.ReportLostRecords(message, records, error);

    internal void Attach(IReceiverSupervisor<T> supervisor) => _supervisor = supervisor;

    private IReceiverSupervisor<T> Supervisor =>
        _supervisor ?? throw new InvalidOperationException($"{GetType().Name} is not attached to a running streaming context");
}
