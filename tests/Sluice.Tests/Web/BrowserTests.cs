using Microsoft.Playwright;
using Sluice.Configuration;
using Sluice.Streaming;
using Sluice.Web;

namespace Sluice.Tests.Web;

public class BrowserTests
{
    private static string ArtifactDirectory =>
        Environment.GetEnvironmentVariable("TEST_ARTIFACTS_DIR") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "TestResults");

    [ChromiumFact(Timeout = 180_000)]
    public async Task TheStreamingPageDrawsItsChartsFollowsTheRunAndOpensABatch()
    {
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, "0").SetAppName("browser-test").Set("my.api.token", "abc123")
            .Set(ConfigKeys.OutputOnFailure, "skip").Set(ConfigKeys.OutputMaxRetries, "0"));
        var ui = h.Context.UseWebUi(TextWriter.Null)!;
        using var checkpoints = new Streaming.TempDirectory();
        h.Context.Checkpoint(checkpoints.Path);
        var receiver = new BlockReceiver([3, 4]);
        var numbers = h.Context.ReceiverStream(receiver);
        numbers.ForeachRDD((rdd, t) => { rdd.Count(); h.Clock.Advance(100 + t.Milliseconds / 20); });
        numbers.ForeachRDD((_, t) =>
        {
            if (t.Milliseconds == 2000)
            {
                throw new InvalidOperationException("bad batch 2000");
            }
        });
        var keys = numbers.Map(n => (n % 3, 1)).UpdateStateByKey<int, int, int>((v, s) => new Sluice.Datasets.Optional<int>(s.GetValueOrDefault(0) + v.Count));
        keys.ForeachRDD(rdd => rdd.Count());
        var all = StreamingHarness.CollectAll(numbers);
        h.Start();
        Assert.True(receiver.Stored.Wait(TimeSpan.FromSeconds(30)));
        for (int i = 1; i <= 3; i++)
        {
            h.Clock.SetTime(i * 1000L);
            h.WaitForBatch(i * 1000L);
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumFactAttribute.Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 1400 } });
        await page.GotoAsync($"{ui.Url}/#/streaming");

        // The four timelines and their histograms are drawn with one point per completed batch.
        foreach (string chart in new[] { "input-rate", "scheduling-delay", "processing-time", "total-delay" })
        {
            await page.WaitForSelectorAsync($"#{chart}-timeline[data-points='3']", new() { Timeout = 30_000 });
            Assert.Equal("3", await page.GetAttributeAsync($"#{chart}-histogram", "data-values"));
        }

        string points = (await page.GetAttributeAsync("#processing-time-timeline polyline", "points"))!;
        Assert.Equal(3, points.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.True(await page.Locator("#processing-time-histogram rect.bar[height]:not([height='0'])").CountAsync() > 0);
        Assert.Equal("3", await page.TextContentAsync("#completed-count"));
        Assert.Equal(3, await page.Locator("#completed-batches a.batch-link").CountAsync());

        // The page follows the run without a reload.
        for (int i = 4; i <= 5; i++)
        {
            h.Clock.SetTime(i * 1000L);
            h.WaitForBatch(i * 1000L);
        }

        await page.WaitForFunctionAsync("() => document.getElementById('completed-count')?.textContent === '5'", null, new() { Timeout = 30_000 });
        await page.WaitForSelectorAsync("#total-delay-timeline[data-points='5']", new() { Timeout = 30_000 });
        Directory.CreateDirectory(ArtifactDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ArtifactDirectory, "sluice-ui-streaming.png"), FullPage = true });

        // A click on the failed batch opens its page, with its output operations and the failure.
        await page.ClickAsync("#completed-batches a.batch-link[href='#/batch/2000']");
        await page.WaitForSelectorAsync("#batch-title", new() { Timeout = 30_000 });
        Assert.Contains("1970-01-01 00:00:02.000", await page.TextContentAsync("#batch-title"));
        Assert.Equal(4, await page.Locator("#operations tr").CountAsync() - 1);
        Assert.Contains("bad batch 2000", await page.TextContentAsync("#operations"));

        await page.ScreenshotAsync(new() { Path = Path.Combine(ArtifactDirectory, "sluice-ui-batch.png"), FullPage = true });

        // A batch with records: its input per source, and the jobs its operations ran with their stages (the state's shuffle is a map
        // stage and a result stage).
        var withRecords = ui.State.Batches().Last(b => b.InputSize > 0);
        await page.GotoAsync($"{ui.Url}/#/batch/{withRecords.BatchId}");
        await page.WaitForFunctionAsync($"() => document.getElementById('batch-title')?.textContent.includes('{RestJson.Date(withRecords.BatchId)[11..19]}')", null, new() { Timeout = 30_000 });
        Assert.Equal(1, await page.Locator("#inputs tr").CountAsync() - 1);
        Assert.Equal(withRecords.InputSize.ToString(), await page.TextContentAsync("#inputs td.input-records"));
        Assert.Contains("BlockReceiver", await page.TextContentAsync("#inputs"));
        var jobs = ui.State.Jobs(batchId: withRecords.BatchId);
        Assert.Equal(3, jobs.Count);
        Assert.True(jobs.Sum(j => j.NumCompletedTasks) > 0);
        Assert.Equal(jobs.Count, await page.Locator("#jobs tr.job").CountAsync());
        Assert.Equal(jobs.Sum(j => j.StageIds.Count), await page.Locator("#stages tr.stage").CountAsync());
        Assert.Contains("ShuffleMap", await page.TextContentAsync("#stages"));
        Assert.Contains("SUCCEEDED", await page.TextContentAsync("#jobs"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(ArtifactDirectory, "sluice-ui-batch-jobs.png"), FullPage = true });

        await page.ClickAsync("#nav-receivers");
        await page.WaitForSelectorAsync("#receivers", new() { Timeout = 30_000 });
        Assert.Contains("ACTIVE", await page.TextContentAsync("#receivers"));
        Assert.Contains("upstream is slow", await page.TextContentAsync("#receivers"));

        // Checkpoints: a metadata checkpoint before and after each of the five batches, and the one at start.
        await page.ClickAsync("#nav-checkpoints");
        await page.WaitForSelectorAsync("#checkpoints", new() { Timeout = 30_000 });
        int written = (int)ui.State.Checkpoints().NumCompleted;
        Assert.True(written >= 1 + 2 * 5, $"{written} checkpoints");
        await page.WaitForFunctionAsync($"() => Number(document.getElementById('checkpoints-completed')?.textContent) >= {written}", null, new() { Timeout = 30_000 });
        Assert.True(await page.Locator("#checkpoints tr").CountAsync() - 1 >= written);
        Assert.Equal("0", await page.TextContentAsync("#checkpoints-failed"));
        Assert.Contains("metadata", await page.TextContentAsync("#checkpoints"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(ArtifactDirectory, "sluice-ui-checkpoints.png"), FullPage = true });

        // State: the keys the state holds are the distinct keys of every record so far, and the page follows the next batch.
        await page.ClickAsync("#nav-state");
        await page.WaitForSelectorAsync("#state td.state-keys", new() { Timeout = 30_000 });
        int distinct;
        lock (all)
        {
            distinct = all.Select(n => n % 3).Distinct().Count();
        }

        Assert.Equal(distinct.ToString(), await page.TextContentAsync("#state td.state-keys"));
        Assert.Contains("UpdateStateByKey", await page.TextContentAsync("#state"));
        h.Clock.SetTime(6000);
        h.WaitForBatch(6000);
        await page.WaitForFunctionAsync("() => document.getElementById('state')?.textContent.includes('1970-01-01 00:00:06.000')", null, new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(ArtifactDirectory, "sluice-ui-state.png"), FullPage = true });

        await page.ClickAsync("#nav-sources");
        await page.WaitForSelectorAsync("#no-sources", new() { Timeout = 30_000 });

        await page.ClickAsync("#nav-executors");
        await page.WaitForSelectorAsync("#executors td.completed-tasks", new() { Timeout = 30_000 });
        Assert.True(long.Parse((await page.TextContentAsync("#executors td.completed-tasks"))!) > 0);

        await page.ClickAsync("#nav-environment");
        await page.WaitForSelectorAsync("#properties", new() { Timeout = 30_000 });
        string properties = (await page.TextContentAsync("#properties"))!;
        Assert.Contains("browser-test", properties);
        Assert.Contains(Redaction.Redacted, properties);
        Assert.DoesNotContain("abc123", properties);
    }
}
