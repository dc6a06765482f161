using System.Buffers.Binary;

namespace Sluice.Recovery;

/// <summary>
/// The framing of every data checkpoint file: a 24-byte header (magic, body length, CRC-32 of the body, CRC-32 of the
/// header) before the body, so that a flipped byte, a cut or a foreign file is found before the body is deserialized.
/// </summary>
internal static class CheckpointFile
{
    /// <summary>Bytes before the body.</summary>
    public const int HeaderSize = 24;

    private static ReadOnlySpan<byte> Magic => "sluice\x01D"u8;

    private const string Noun = "a Sluice data checkpoint file";

    /// <summary>
    /// Writes <paramref name="path"/> atomically: the body <paramref name="writeBody"/> produces goes to a temporary
    /// file behind a header placeholder, the header is filled in, the file synced unless not <paramref name="durable"/>,
    /// then renamed.
    /// </summary>
    public static long Write(string path, string temporary, Action<Stream> writeBody, bool durable = true) =>
        Write(path, temporary, writeBody, durable, Magic);

    /// <summary>Writes <paramref name="path"/> atomically in the same framing, with another 8-byte <paramref name="magic"/> (object files use their own); returns the bytes written.</summary>
    public static long Write(string path, string temporary, Action<Stream> writeBody, bool durable, ReadOnlySpan<byte> magic)
    {
        long length;
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            header.Clear();
            file.Write(header);
            var hashing = new HashingStream(file);
            writeBody(hashing);
            FillHeader(header, hashing.Length, hashing.Crc, magic);
            file.Position = 0;
            file.Write(header);
            file.Flush(flushToDisk: durable);
            length = file.Length;
        }

        File.Move(temporary, path, overwrite: true);
        return length;
    }

    /// <summary>Reads and checks <paramref name="path"/>: its body, or a <see cref="CheckpointException"/> saying what is wrong.</summary>
    public static ReadOnlyMemory<byte> ReadBody(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointException($"data checkpoint file {path} is missing", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"data checkpoint file {path} cannot be read: {e.Message}", e);
        }

        if (Problem(bytes) is { } problem)
        {
            throw new CheckpointException($"data checkpoint file {path}: {problem}");
        }

        return bytes.AsMemory(HeaderSize);
    }

    /// <summary>What is wrong with the file at <paramref name="path"/>, or null when it is intact.</summary>
    public static string? Verify(string path)
    {
        try
        {
            return Problem(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "missing";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be read ({e.Message})";
        }
    }

    /// <summary>What is wrong with a whole file's bytes, or null when they are intact.</summary>
    public static string? Problem(ReadOnlySpan<byte> bytes) => Problem(bytes, Magic, Noun);

    /// <summary>What is wrong with a whole file's bytes in this framing with <paramref name="magic"/>, or null; <paramref name="noun"/> names the kind of file.</summary>
    public static string? Problem(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> magic, string noun)
    {
        if (bytes.Length < HeaderSize)
        {
            return bytes.Length >= magic.Length && !bytes[..magic.Length].SequenceEqual(magic)
                ? $"not {noun} (unknown header; written by an older version?)"
                : $"truncated at byte {bytes.Length} (inside the {HeaderSize}-byte header)";
        }

        if (!bytes[..magic.Length].SequenceEqual(magic))
        {
            return $"not {noun} (unknown header; written by an older version?)";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes[20..]) != Crc32.Compute(bytes[..20]))
        {
            return "header checksum mismatch";
        }

        long length = BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]);
        long expected = HeaderSize + length;
        if (bytes.Length < expected)
        {
            return $"truncated at byte {bytes.Length} of {expected}";
        }

        if (bytes.Length > expected)
        {
            return $"{bytes.Length - expected} bytes longer than written ({expected})";
        }

        return BinaryPrimitives.ReadUInt32LittleEndian(bytes[16..]) == Crc32.Compute(bytes[HeaderSize..]) ? null : "checksum mismatch";
    }

    private static void FillHeader(Span<byte> header, long length, uint crc, ReadOnlySpan<byte> magic)
    {
        magic.CopyTo(header);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], Crc32.Compute(header[..20]));
    }
}
