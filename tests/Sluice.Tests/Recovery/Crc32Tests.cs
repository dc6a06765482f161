using Sluice.Recovery;

namespace Sluice.Tests.Recovery;

public sealed class Crc32Tests
{
    /// <summary>The byte-at-a-time IEEE CRC-32 that logs and checkpoints were first written with.</summary>
    private static uint TableCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    [Fact]
    public void MatchesTheCrcExistingLogsAndCheckpointsWereWrittenWith()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8)); // the standard CRC-32 check value
        var random = new Random(9);
        foreach (int length in new[] { 0, 1, 7, 16, 63, 64, 65, 1000, 65_537 })
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(TableCrc(data), Crc32.Compute(data));
        }
    }
}
