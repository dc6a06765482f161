using Sluice.Configuration;
using Sluice.Web;

namespace Sluice.Tests.Web;

public class PrometheusMetricsTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact(Timeout = 120_000)]
    public async Task MetricsAreScrapedWithStableNamesAndTheListenersFigures()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, "0").SetAppName("metrics-test"));
        var recorder = new EventRecorder();
        h.Context.AddStreamingListener(recorder);
        var ui = h.Context.UseWebUi(TextWriter.Null)!;
        var receiver = new BlockReceiver([5, 8]);
        var numbers = h.Context.ReceiverStream(receiver);
        numbers.ForeachRDD((rdd, t) => { rdd.Count(); h.Clock.Advance(30 + t.Milliseconds / 200); });
        h.Start();
        Assert.True(receiver.Stored.Wait(TimeSpan.FromSeconds(30)));
        int batches = 0;
        while (batches < 30 && (batches < 3 || recorder.Completed.Sum(b => b.NumRecords) < 13))
        {
            batches++;
            h.Clock.SetTime(batches * 1000L);
            h.WaitForBatch(batches * 1000L);
        }

        Assert.True(h.Context.WaitForListenerEvents(TimeSpan.FromSeconds(30)));
        using var response = await Http.GetAsync($"{ui.Url}/metrics");
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = PrometheusText.Parse(await response.Content.ReadAsStringAsync());

        var completed = recorder.Completed;
        var app = ("application", "metrics-test");
        Assert.Equal("counter", text.Types["sluice_streaming_completed_batches_total"]);
        Assert.Equal("gauge", text.Types["sluice_streaming_scheduling_delay_seconds"]);
        Assert.Equal(completed.Count, text.Value("sluice_streaming_completed_batches_total", app));
        Assert.Equal(13, text.Value("sluice_streaming_processed_records_total", app));
        Assert.Equal(13, text.Value("sluice_streaming_received_records_total", app));
        Assert.Equal(13, text.Value("sluice_streaming_stream_received_records_total", app, ("stream", numbers.Id.ToString())));
        Assert.Equal(1, text.Value("sluice_streaming_receivers", app));
        Assert.Equal(1, text.Value("sluice_streaming_active_receivers", app));
        Assert.Equal(0, text.Value("sluice_streaming_inactive_receivers", app));
        Assert.Equal(0, text.Value("sluice_streaming_active_batches", app));
        Assert.Equal(completed.Count, text.Value("sluice_streaming_retained_completed_batches", app));
        Assert.Equal(1.0, text.Value("sluice_streaming_batch_duration_seconds", app));
        Assert.Equal(completed.Average(b => (double)b.NumRecords), text.Value("sluice_streaming_input_rate_records_per_second", app), 9);
        Assert.Equal(completed.Sum(b => (long)b.ProcessingDelay!.Value.TotalMilliseconds) / completed.Count / 1000.0, text.Value("sluice_streaming_processing_time_seconds", app), 9);
        Assert.Equal(completed.Sum(b => (long)b.SchedulingDelay!.Value.TotalMilliseconds) / completed.Count / 1000.0, text.Value("sluice_streaming_scheduling_delay_seconds", app), 9);
        Assert.Equal(completed.Sum(b => (long)b.TotalDelay!.Value.TotalMilliseconds) / completed.Count / 1000.0, text.Value("sluice_streaming_total_delay_seconds", app), 9);
        Assert.True(text.Value("sluice_streaming_processing_time_seconds", app) >= 0.030);
        Assert.True(text.Value("sluice_streaming_heap_size_bytes", app) > 0);
        Assert.True(text.Value("sluice_streaming_gc_pause_seconds_total", app) >= 0);
        Assert.True(text.Value("sluice_streaming_gc_collections_total", app) >= 0);

        // No application id inside any name, and every Sluice metric carries the application label.
        Assert.All(text.Samples.Where(s => s.Name.StartsWith("sluice_", StringComparison.Ordinal)), s =>
        {
            Assert.StartsWith("sluice_streaming_", s.Name);
            Assert.DoesNotContain("local", s.Name);
            Assert.Equal("metrics-test", s.Labels["application"]);
        });
    }
}
