namespace Sluice.Sources;

/// <summary>The reader of BinaryRecordsStream: a file cut into records of one fixed length.</summary>
internal static class BinaryRecords
{
    /// <summary>Fixed-length records of <paramref name="recordLength"/> bytes; a file whose length is not a multiple of it is invalid.</summary>
    public static IEnumerable<byte[]> FixedLengthRecords(Stream stream, int recordLength, string path)
    {
        long length = stream.Length;
        if (length % recordLength != 0)
        {
            throw new InvalidDataException(
                $"{path} is {length} bytes long, not a multiple of the record length {recordLength} ({length % recordLength} bytes left over)");
        }

        for (long i = 0; i < length / recordLength; i++)
        {
            var record = new byte[recordLength];
            stream.ReadExactly(record);
            yield return record;
        }
    }
}
