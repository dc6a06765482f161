using Sluice.Datasets;
using Sluice.Datasets.Operators;

namespace Sluice.Streaming.Operators;

/// <summary>
/// Runs an event-time stream's timestamp extractor on every record before anything uses the event time, so that a
/// record whose timestamp cannot be read goes through the <see cref="ErrorPolicy"/> of the event-time stream: it fails
/// the batch naming this operator and the record, or is set aside as a dead letter, never assigned a made-up time.
/// </summary>
internal sealed class EventTimeExtractorDStream<T>(DStream<T> parent, Func<T, long> eventTime) : RecordFunctionDStream<T, T>(parent)
{
    public override string Name => "EventTimeExtractor";

    protected internal override Rdd<T>? Compute(Time validTime) =>
        Parent.GetOrCompute(validTime) is { } rdd ? new FilteredRdd<T>(rdd, r => { _ = eventTime(r); return true; }) { DeadLetters = DeadLettersOf(validTime) } : null;

    protected override Exception? Probe(T record)
    {
        try
        {
            eventTime(record);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
