using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Sluice.Datasets;
using Sluice.Datasets.Operators;
using Sluice.Sources;

namespace Sluice.Streaming.Operators;

/// <summary>
/// The records of the lines of a JSON-lines file stream. A line that does not read as a record goes by the operator's
/// <see cref="ErrorPolicy"/>: it fails the task naming the file and the line (the default), or with
/// <see cref="ErrorPolicy.DeadLetter"/> it is counted and sent to <see cref="DStream{T}.DeadLetters"/>.
/// </summary>
internal sealed class JsonFileDStream<T> : RecordFunctionDStream<JsonLine, T>
{
    private readonly Func<JsonLine, T> _parse;

    public JsonFileDStream(DStream<JsonLine> lines, JsonTypeInfo<T> typeInfo)
        : base(lines) => _parse = line => Parse(line, typeInfo);

    protected internal override Rdd<T>? Compute(Time validTime) =>
        Parent.GetOrCompute(validTime) is { } rdd ? new MappedRdd<JsonLine, T>(rdd, _parse) { DeadLetters = DeadLettersOf(validTime) } : null;

    protected override Exception? Probe(JsonLine record)
    {
        try
        {
            _parse(record);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    internal static T Parse(JsonLine line, JsonTypeInfo<T> typeInfo)
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(line.Utf8.Span, typeInfo);
        }
        catch (JsonException e)
        {
            throw new JsonLineException(line.Path, line.LineNumber, e.Message, e);
        }

        return value ?? throw new JsonLineException(line.Path, line.LineNumber, $"null is not a {typeof(T).Name}");
    }
}
