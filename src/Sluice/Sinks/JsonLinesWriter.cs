using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Sluice.Datasets;

namespace Sluice.Sinks;

/// <summary>Writes a dataset as one JSON-lines file (one JSON object per record and line, UTF-8, no BOM) that appears atomically.</summary>
internal static class JsonLinesWriter
{
    private const int FlushAt = 1 << 16;

    public static void Save<T>(Rdd<T> rdd, string path, JsonTypeInfo<T> typeInfo) =>
        SingleFileWriter.Save(rdd, path, (r, task, p, file) =>
        {
            using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
            var lines = new LineSink<T>(stream, typeInfo);
            r.Iterate(p, task, lines);
            lines.Flush();
            stream.Flush(flushToDisk: true);
        });

    /// <summary>Serializes records into one reused buffer and writes it out in 64 KB pieces: no allocation per record.</summary>
    private sealed class LineSink<T> : IChunkSink<T>
    {
        private readonly Stream _stream;
        private readonly JsonTypeInfo<T> _typeInfo;
        private readonly ArrayBufferWriter<byte> _buffer = new(FlushAt * 2);
        private readonly Utf8JsonWriter _writer;

        public LineSink(Stream stream, JsonTypeInfo<T> typeInfo)
        {
            _stream = stream;
            _typeInfo = typeInfo;

            // Compact output: the default encoder escapes control characters, so a record never spans two lines.
            _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Indented = false, Encoder = typeInfo.Options.Encoder });
        }

        public void Accept(ReadOnlySpan<T> chunk)
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                JsonSerializer.Serialize(_writer, chunk[i], _typeInfo);
                _writer.Flush();
                _writer.Reset(_buffer);
                _buffer.GetSpan(1)[0] = (byte)'\n';
                _buffer.Advance(1);
                if (_buffer.WrittenCount >= FlushAt)
                {
                    Flush();
                }
            }
        }

        public void Flush()
        {
            _stream.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
        }
    }
}
