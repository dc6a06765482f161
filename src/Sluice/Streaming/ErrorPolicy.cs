namespace Sluice.Streaming;

/// <summary>What a per-record operator (Map, FlatMap, Filter) does with a record its function throws on.</summary>
public enum ErrorPolicy
{
    /// <summary>The task fails, naming the operator and the record; after its retries the batch fails (the default).</summary>
    Fail,

    /// <summary>The record is left out, counted, and sent to the operator's <c>DeadLetters()</c> stream; the batch goes on.</summary>
    DeadLetter,
}
