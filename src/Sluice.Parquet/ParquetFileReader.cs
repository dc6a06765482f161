using System.Buffers.Binary;
using Parquet;
using Parquet.Serialization;

namespace Sluice.Parquet;

/// <summary>
/// Reads the records of one Parquet file. A file that is not a whole Parquet file (no <c>PAR1</c> magic at either end, a
/// footer length that does not fit, a footer or page that does not decode) is an <see cref="InvalidDataException"/>
/// naming the file and what is wrong, which the file stream counts as an input error.
/// </summary>
internal static class ParquetFileReader
{
    private static ReadOnlySpan<byte> Magic => "PAR1"u8;

    public static IList<T> Read<T>(Stream stream, string path, ParquetOptions options)
        where T : class, new()
    {
        // In memory first: Parquet.Net reads asynchronously, and over a memory stream that completes on this task's thread.
        var bytes = new MemoryStream(stream.CanSeek ? (int)Math.Min(int.MaxValue, stream.Length) : 0);
        stream.CopyTo(bytes);
        Check(bytes.GetBuffer().AsSpan(0, (int)bytes.Length), path);
        bytes.Position = 0;
        try
        {
            return ParquetSerializer.DeserializeAsync<T>(bytes, options).GetAwaiter().GetResult().Data;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            throw new InvalidDataException($"{path} is not a readable Parquet file of {typeof(T).Name}: {e.GetType().Name}: {e.Message}", e);
        }
    }

    /// <summary>The checks that tell a damaged or half-written file from a whole one before its footer is decoded.</summary>
    private static void Check(ReadOnlySpan<byte> file, string path)
    {
        if (file.Length < 12)
        {
            throw new InvalidDataException($"{path} is not a Parquet file: {file.Length} bytes, shorter than the 12 of an empty one (cut short or still being written?)");
        }

        if (!file[..4].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path} is not a Parquet file: it does not start with the PAR1 magic");
        }

        if (!file[^4..].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path} is not a whole Parquet file: no PAR1 magic at its end (cut short or still being written?)");
        }

        uint footer = BinaryPrimitives.ReadUInt32LittleEndian(file[^8..^4]);
        if (footer > file.Length - 12)
        {
            throw new InvalidDataException($"{path} is a damaged Parquet file: its footer length {footer} is more than the {file.Length - 12} bytes between the magics");
        }
    }
}
