using Sluice.Configuration;
using Sluice.Streaming;

namespace Sluice.Tests.Configuration;

public class SluiceConfTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("2s", 2000)]
    [InlineData("1min", 60_000)]
    [InlineData("1.5s", 1500)]
    [InlineData("250", 250)]
    public void DurationsParse(string text, long millis)
    {
        Assert.True(ConfigValues.TryParseDuration(text, out var d));
        Assert.Equal(millis, (long)d.TotalMilliseconds);
        Assert.Equal(TimeSpan.FromMilliseconds(millis), new SluiceConf(false).Set(ConfigKeys.BlockInterval, text).GetDuration(ConfigKeys.BlockInterval));
    }

    [Fact]
    public void UnknownKeyNamesKeyValueAndSuggestion()
    {
        var conf = new SluiceConf(false).Set("sluice.streaming.blokInterval", "100ms");
        var e = Assert.Throws<ConfigurationException>(() => conf.Validate());
        Assert.Contains("unknown configuration key 'sluice.streaming.blokInterval'", e.Message);
        Assert.Contains("'100ms'", e.Message);
        Assert.Contains("did you mean 'sluice.streaming.blockInterval'", e.Message);
    }

    [Theory]
    [InlineData("sluice.streaming.concurrentJobs", "abc", "is not a whole number")]
    [InlineData("sluice.master", "remote", "is not a master URL")]
    [InlineData("sluice.master", "local[0]", "is not a master URL")]
    [InlineData("sluice.streaming.blockInterval", "fast", "is not a duration")]
    [InlineData("sluice.streaming.stopOnJobFailure", "yes", "is not true or false")]
    [InlineData("sluice.task.maxFailures", "0", "must be at least 1")]
    public void MalformedValuesNameKeyAndValue(string key, string value, string problem)
    {
        var e = Assert.Throws<ConfigurationException>(() => new SluiceConf(false).Set(key, value).Validate());
        Assert.Contains(key, e.Message);
        Assert.Contains($"'{value}'", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void ImpossibleIntervalsAreErrorsAtContextCreation()
    {
        var longBlock = new SluiceConf(false).SetMaster("local[1]").Set(ConfigKeys.BlockInterval, "2s");
        var e = Assert.Throws<ConfigurationException>(() => new StreamingContext(longBlock, TimeSpan.FromSeconds(1)));
        Assert.Contains("sluice.streaming.blockInterval='2s'", e.Message);
        Assert.Contains("longer than the batch interval", e.Message);
        using var fits = new StreamingContext(new SluiceConf(false).SetMaster("local[1]"), TimeSpan.FromMilliseconds(100));
        Assert.Equal(TimeSpan.FromMilliseconds(100), fits.BlockInterval);
        var zero = Assert.Throws<ConfigurationException>(() => new StreamingContext(new SluiceConf(false), TimeSpan.Zero));
        Assert.Contains("batch interval '0ms' must be greater than zero", zero.Message);
    }

    [Fact]
    public void FileEnvironmentAndCodeApplyInOrderOfPrecedence()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, [
                "# defaults",
                "sluice.app.name       from-file",
                "sluice.streaming.concurrentJobs=3",
                "sluice.task.maxFailures 7",
            ]);
            var conf = new SluiceConf(false);
            conf.LoadFile(file);
            conf.LoadEnvironment(new Dictionary<string, string>
            {
                ["SLUICE_STREAMING_CONCURRENTJOBS"] = "5",
                ["SLUICE_APP_NAME"] = "from-env",
                ["PATH"] = "/usr/bin",
            });
            conf.Set(ConfigKeys.AppName, "from-code");
            conf.Validate();
            Assert.Equal("from-code", conf.Get(ConfigKeys.AppName));
            Assert.Equal(5, conf.GetInt(ConfigKeys.ConcurrentJobs));
            Assert.Equal(7, conf.GetInt(ConfigKeys.TaskMaxFailures));
            Assert.Equal(4, new SluiceConf(false).GetInt(ConfigKeys.TaskMaxFailures));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void BadEnvironmentVariableAndFileLineNameTheirOrigin()
    {
        var conf = new SluiceConf(false);
        conf.LoadEnvironment(new Dictionary<string, string> { ["SLUICE_STREAMING_CONCURRENTJOBS"] = "many" });
        Assert.Contains("environment variable SLUICE_STREAMING_CONCURRENTJOBS", Assert.Throws<ConfigurationException>(() => conf.Validate()).Message);

        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, ["sluice.master"]);
            Assert.Contains($"{file}:1", Assert.Throws<ConfigurationException>(() => new SluiceConf(false).LoadFile(file)).Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("local", 1)]
    [InlineData("local[3]", 3)]
    public void MasterGivesExecutorThreads(string master, int threads) =>
        Assert.Equal(threads, new SluiceConf(false).SetMaster(master).ExecutorThreads);
}
