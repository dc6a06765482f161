using Sluice.Datasets;

namespace Sluice.Tests.Datasets;

public sealed class TablePoolTests
{
    // A key type of this test's own: no other test rents or returns tables of it, whatever runs in parallel.
    private readonly record struct Key(int Value);

    [Fact]
    public void ARentedTableIsEmptyWithRoomForWhatWasAsked()
    {
        var first = TablePool<Key, string>.Rent(10);
        for (int i = 0; i < 1000; i++)
        {
            first[new Key(i)] = "v" + i;
        }

        TablePool<Key, string>.Return(first);
        var second = TablePool<Key, string>.Rent(5000);
        Assert.Same(first, second);
        Assert.Empty(second);
        Assert.False(second.ContainsKey(new Key(1)));
        Assert.True(second.EnsureCapacity(0) >= 5000);
        TablePool<Key, string>.Return(second);
    }

    [Fact(Timeout = 60_000)]
    public async Task ConcurrentRentersNeverShareATable()
    {
        var tasks = Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (int round = 0; round < 2000; round++)
            {
                var table = TablePool<Key, int>.Rent(4);
                Assert.Empty(table);
                for (int i = 0; i < 16; i++)
                {
                    table[new Key(i)] = worker;
                }

                Thread.Yield();
                Assert.All(table.Values, v => Assert.Equal(worker, v));
                TablePool<Key, int>.Return(table);
            }
        }));
        await Task.WhenAll(tasks);
    }
}
