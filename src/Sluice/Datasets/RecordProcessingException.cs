using Sluice.Sinks;

namespace Sluice.Datasets;

/// <summary>An operator's function threw on a record: the message names the operator (dataset and stream, with ids) and shows the record, shortened.</summary>
public sealed class RecordProcessingException : Exception
{
    private const int MaxRecordChars = 200;

    private RecordProcessingException(string operatorName, string record, string message, Exception inner) : base(message, inner)
    {
        Operator = operatorName;
        Record = record;
    }

    /// <summary>The operator whose function threw, such as <c>Map[12] of MappedDStream[3]</c>.</summary>
    public string Operator { get; }

    /// <summary>The record it threw on, as text, shortened to 200 characters.</summary>
    public string Record { get; }

    internal static RecordProcessingException For<T>(RddBase owner, T record, Exception error, string? note = null)
    {
        string op = owner.OperatorDescription;
        string text = Shorten(record);
        return new RecordProcessingException(op, text, $"{op} threw on record '{text}'{note}: {error.GetType().Name}: {error.Message}", error);
    }

    /// <summary>A record as one line of at most 200 characters, for messages.</summary>
    internal static string Shorten<T>(T record)
    {
        string text;
        try
        {
            text = RecordFormatter.Format(record);
        }
        catch (Exception e)
        {
            text = $"<unprintable {typeof(T).Name}: {e.Message}>";
        }

        text = text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return text.Length <= MaxRecordChars ? text : $"{text[..MaxRecordChars]}… ({text.Length} chars)";
    }
}
