using Sluice.Datasets;
using Xunit;

namespace Sluice.Tests.Datasets;

public sealed class KeyFilterTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(1_000)]
    [InlineData(50_000)]
    public void HoldsEveryKeyOfItsLayerAndRulesOutMostOthers(int size)
    {
        var random = new Random(size);
        var ints = new Dictionary<int, int>();
        var strings = new Dictionary<string, int>();
        while (ints.Count < size)
        {
            int key = random.Next();
            ints[key] = 0;
            strings["w" + key] = 0;
        }

        var intFilter = KeyFilter.Build(ints);
        var stringFilter = KeyFilter.Build(strings);
        Assert.All(ints.Keys, key => Assert.True(intFilter.MightContain(KeyFilter.Hash(key))));
        Assert.All(strings.Keys, key => Assert.True(stringFilter.MightContain(KeyFilter.Hash(key))));

        // Sequential keys are the common case (ids, counters) and hash to themselves: they must spread as well as random ones.
        var others = Enumerable.Range(0, 100_000).Select(i => int.MinValue + i).Where(k => !ints.ContainsKey(k)).ToArray();
        double intFalse = others.Count(k => intFilter.MightContain(KeyFilter.Hash(k))) / (double)others.Length;
        double stringFalse = others.Count(k => stringFilter.MightContain(KeyFilter.Hash("x" + k))) / (double)others.Length;
        Assert.InRange(intFalse, 0, 0.05);
        Assert.InRange(stringFalse, 0, 0.05);
    }

    [Fact]
    public void RulesOutKeysOfTheSameSmallKeySpace()
    {
        // A batch layer of a state keyed 0 … 499,999 (ids hash to themselves), asked about the other keys of that space.
        var random = new Random(4);
        var layer = new Dictionary<int, int>();
        while (layer.Count < 50_000)
        {
            layer[random.Next(500_000)] = 0;
        }

        var filter = KeyFilter.Build(layer);
        var others = Enumerable.Range(0, 500_000).Where(k => !layer.ContainsKey(k)).ToArray();
        double falseMaybe = others.Count(k => filter.MightContain(KeyFilter.Hash(k))) / (double)others.Length;
        Assert.InRange(falseMaybe, 0, 0.05);
    }
}
