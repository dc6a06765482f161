namespace Sluice.Direct;

/// <summary>
/// Thrown by a direct source's reader for a record it cannot turn into a value (a value its deserializer rejects): the
/// task fails naming the stream, the record's position and the cause, and the batch is not retried for it (the record
/// fails again). Read bytes and convert them in a Map with <c>OnError(ErrorPolicy.DeadLetter)</c> to set such records aside.
/// </summary>
public sealed class DirectRecordException(string record, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The record, described by its position (such as <c>topic-2 offset 17</c>) and a shortened rendering.</summary>
    public string Record { get; } = record;
}
