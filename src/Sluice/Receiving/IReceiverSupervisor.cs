namespace Sluice.Receiving;

/// <summary>What a receiver calls into: the supervisor that runs it.</summary>
internal interface IReceiverSupervisor<T>
{
    bool IsReceiverStarted { get; }

    bool IsReceiverStopped { get; }

    void PushSingle(T record);

    void PushMany(ReadOnlySpan<T> records);

    void PushBlock(T[] records, Action? onStored);

    void RestartReceiver(string message, Exception? error, TimeSpan? delay);

    void StopReceiver(string message, Exception? error);

    void ReportError(string message, Exception? error);

    /// <summary>Reports input the receiver had to give up (-1 records: a number it could not tell), counted where lost input is counted.</summary>
    void ReportLostRecords(string message, long records, Exception? error) => ReportError(message, error);
}
