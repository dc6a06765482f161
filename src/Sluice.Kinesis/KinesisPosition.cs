using System.Globalization;

namespace Sluice.Kinesis;

/// <summary>
/// A shard position as the direct stream checkpoints it (its token): after a sequence number (<c>after:SEQ</c>), after a
/// closed shard's last record (<c>end:SEQ</c>, or <c>end:</c> for a closed shard with none), at a time
/// (<c>at:MS</c>, the stream's start for <see cref="KinesisInitialPosition.Latest"/>), or at the oldest record (<c>trim</c>).
/// </summary>
internal readonly record struct KinesisPosition(string Kind, string? Value)
{
    public static KinesisPosition TrimHorizon => new("trim", null);

    public static KinesisPosition At(long ms) => new("at", ms.ToString(CultureInfo.InvariantCulture));

    public static KinesisPosition After(string sequenceNumber) => new("after", sequenceNumber);

    public bool IsEnd => Kind == "end";

    public static KinesisPosition Parse(string token)
    {
        int colon = token.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? token : token[..colon];
        string? value = colon < 0 ? null : token[(colon + 1)..];
        return kind switch
        {
            "trim" or "at" or "after" or "end" => new KinesisPosition(kind, value),
            _ => throw new FormatException($"'{token}' is not a Kinesis position of this stream's checkpoint"),
        };
    }

    /// <summary>The position after the whole shard, once a closed shard's reading reached its end (<paramref name="last"/>: its last record, if it had one).</summary>
    public KinesisPosition Ended(string? last) => new("end", last ?? (Kind == "after" ? Value : ""));

    /// <summary>The GetShardIterator type and sequence number or timestamp (seconds) for reading from here.</summary>
    public (string Type, string? SequenceNumber, double? Timestamp) Iterator() => Kind switch
    {
        "trim" => ("TRIM_HORIZON", null, null),
        "at" => ("AT_TIMESTAMP", null, long.Parse(Value!, CultureInfo.InvariantCulture) / 1000.0),
        "after" => ("AFTER_SEQUENCE_NUMBER", Value, null),
        _ => throw new InvalidOperationException("a shard read to its end has nothing more to read"),
    };

    public override string ToString() => Value is null ? Kind : $"{Kind}:{Value}";
}
