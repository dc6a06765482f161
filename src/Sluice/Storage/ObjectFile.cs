using System.Buffers.Binary;
using System.Text;
using Sluice.Datasets;
using Sluice.Recovery;
using Sluice.Sinks;

namespace Sluice.Storage;

/// <summary>
/// The object-file format of SaveAsObjectFile: a directory of <c>part-NNNNN</c> files, each framed as a data checkpoint
/// file is (header with length and CRC-32) but with its own magic, holding the record type's name and the partition's
/// records in the record serializer's format. A damaged, cut or foreign file is an error naming it.
/// </summary>
internal static class ObjectFile
{
    private static ReadOnlySpan<byte> Magic => "sluice\x01O"u8;

    private const string Noun = "a Sluice object file";

    /// <summary>Writes every partition of <paramref name="rdd"/> under directory <paramref name="path"/>, which appears complete or not at all.</summary>
    public static void Save<T>(Rdd<T> rdd, string path, TextFileWriter.ExistingPolicy ifExists) =>
        TextFileWriter.Save(rdd, path, ifExists, static (r, task, p, file) =>
        {
            var collected = new CollectingSink<T>();
            r.Iterate(p, task, collected);
            var values = collected.ToArray();
            CheckpointFile.Write(file, file + $".{task.TaskAttemptId}.tmp", stream =>
            {
                byte[] type = Encoding.UTF8.GetBytes(TypeName<T>());
                Span<byte> length = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(length, type.Length);
                stream.Write(length);
                stream.Write(type);
                RecordSerializer.Instance.Serialize(values, stream);
            }, durable: true, Magic);
        });

    /// <summary>The part files of an object-file directory, in partition order; an error when the directory is missing or incomplete.</summary>
    public static string[] Parts(string path)
    {
        string directory = Path.GetFullPath(path);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"object file directory {directory} does not exist");
        }

        if (!File.Exists(Path.Combine(directory, "_SUCCESS")))
        {
            throw new InvalidDataException($"object file directory {directory} has no _SUCCESS marker: it was not written completely by SaveAsObjectFile");
        }

        var parts = Directory.GetFiles(directory, "part-*");
        Array.Sort(parts, StringComparer.Ordinal);
        return parts;
    }

    /// <summary>The records of one part file, checked before they are deserialized.</summary>
    public static T[] ReadPart<T>(string file)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"object file {file} is missing", e);
        }

        if (CheckpointFile.Problem(bytes, Magic, Noun) is { } problem)
        {
            throw new InvalidDataException($"object file {file}: {problem}");
        }

        var body = bytes.AsSpan(CheckpointFile.HeaderSize);
        int typeLength = BinaryPrimitives.ReadInt32LittleEndian(body);
        string written = Encoding.UTF8.GetString(body.Slice(4, typeLength));
        if (written != TypeName<T>())
        {
            throw new InvalidDataException($"object file {file} holds records of type {written}, not {TypeName<T>()}");
        }

        try
        {
            return RecordSerializer.Instance.Deserialize<T>(body[(4 + typeLength)..]);
        }
        catch (Exception e) when (e is MemoryPack.MemoryPackSerializationException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException($"object file {file} is intact but cannot be read as {TypeName<T>()}: {e.Message}", e);
        }
    }

    private static string TypeName<T>() => typeof(T).ToString();
}
