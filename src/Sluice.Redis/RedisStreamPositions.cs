using System.Globalization;

namespace Sluice.Redis;

/// <summary>
/// Maps Redis stream entry ids (<c>ms-seq</c>) to the ordered 64-bit positions of a direct stream's ranges and back:
/// the milliseconds in the high 43 bits, the sequence in the low 20, so positions sort as ids do. A range
/// <c>[from, until)</c> holds the entries from id <c>ToEntryId(from)</c> to id <c>ToEntryId(until - 1)</c>, both included.
/// </summary>
public static class RedisStreamPositions
{
    private const int SequenceBits = 20;
    private const long MaxSequence = (1L << SequenceBits) - 1;
    private const long MaxMilliseconds = (1L << (63 - SequenceBits)) - 1;

    /// <summary>The position of entry id <paramref name="id"/>; an id outside what a position holds (a sequence over 1,048,575 or milliseconds after the year 2248) throws.</summary>
    public static long FromEntryId(string id)
    {
        int dash = id.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0
            || !ulong.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out ulong ms)
            || !ulong.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ulong seq))
        {
            throw new FormatException($"'{id}' is not a Redis stream entry id (ms-seq)");
        }

        if (ms > MaxMilliseconds || seq > MaxSequence)
        {
            throw new NotSupportedException(
                $"stream entry id {id} cannot be a Sluice position: Sluice keeps ids with at most {MaxMilliseconds} ms and a sequence of at most {MaxSequence} " +
                "(ids made by XADD * always fit; explicit ids must too)");
        }

        return ((long)ms << SequenceBits) | (long)seq;
    }

    /// <summary>The entry id at position <paramref name="position"/>.</summary>
    public static string ToEntryId(long position) =>
        string.Create(CultureInfo.InvariantCulture, $"{position >> SequenceBits}-{position & MaxSequence}");
}
