using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Configuration;
using Sluice.Hosting;
using Sluice.Monitoring;
using Sluice.Streaming;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Hosting;

/// <summary>
/// A streaming context as a hosted service of the Generic Host, logging through the host's ILoggerFactory. In the
/// child-process collection because the engine's log is process-wide: no other test may log while one captures it.
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed class HostedStreamingTests
{
    [Fact(Timeout = 60_000)]
    public async Task TheHostStartsTheContextAndItsStopProcessesEveryReceivedRecord()
    {
        var receiver = new PassiveReceiver<int>();
        var logs = new CapturedLogs();
        StreamingHarness? harness = null;
        List<int>? received = null;
        using var host = Build(logs, _ =>
        {
            harness = new StreamingHarness(configure: c => c.Set(ConfigKeys.LogLevel, "info"));
            received = StreamingHarness.CollectAll(harness.Context.ReceiverStream(receiver));
            return harness.Context;
        });

        await host.StartAsync();
        Assert.Equal(StreamingContextState.Active, harness!.Context.State);
        Assert.False(harness.Context.StopOnShutdownSignals);
        receiver.Store(Enumerable.Range(0, 60));
        harness.RunBatch();
        receiver.Store(Enumerable.Range(60, 40));
        await host.StopAsync();

        Assert.Equal(StreamingContextState.Stopped, harness.Context.State);
        lock (received!)
        {
            Assert.Equal(Enumerable.Range(0, 100), received.Order());
        }

        // The engine's own lines went through the host's logging, under the Sluice category.
        Assert.Contains(logs.Entries, e => e.Category == Log.Category && e.Level == Microsoft.Extensions.Logging.LogLevel.Information && e.Message.Contains("streaming context started"));
        harness.Dispose();
    }

    [Fact(Timeout = 60_000)]
    public async Task AContextThatStopsOnAnErrorStopsTheHostAndSaysWhy()
    {
        var logs = new CapturedLogs();
        StreamingHarness? harness = null;
        using var host = Build(
            logs,
            _ =>
            {
                harness = new StreamingHarness(configure: c => c.Set(ConfigKeys.OutputMaxRetries, "0"));
                harness.Context.QueueStream(new Queue<Sluice.Datasets.Rdd<int>>([harness.Context.SluiceContext.Parallelize(Enumerable.Range(0, 10), 2)]))
                    .ForeachRDD(_ => throw new InvalidOperationException("the sink is gone"));
                return harness.Context;
            },
            o => o.ExitCodeOnFailure = null);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        using var stopping = new ManualResetEventSlim();
        lifetime.ApplicationStopping.Register(stopping.Set);

        await host.StartAsync();
        harness!.Clock.SetTime(harness.BatchMillis);
        Assert.True(stopping.Wait(Wait.Limit), "the host was not stopped after the streaming context failed");
        Assert.Contains(logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Critical && e.Message.Contains("the sink is gone"));
        await host.StopAsync();
        harness.Dispose();
    }

    [Fact]
    public void WithoutAFactoryTheLogStaysOnStandardError()
    {
        var (writer, level) = (Log.Writer, Log.Level);
        var text = new StringWriter();
        var logs = new CapturedLogs();
        try
        {
            Log.Writer = text;
            Log.Level = Sluice.Monitoring.LogLevel.Warn;
            using (var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug)))
            {
                Log.UseLoggerFactory(factory);
                Log.Debug("through the factory");
                Log.UseLoggerFactory(null);
            }

            Log.Warn("on standard error");
            Log.Debug("dropped by sluice.log.level");
        }
        finally
        {
            Log.Writer = writer;
            Log.Level = level;
        }

        Assert.Contains(logs.Entries, e => e.Message == "through the factory" && e.Level == Microsoft.Extensions.Logging.LogLevel.Debug);
        Assert.Contains("WARN  on standard error", text.ToString());
        Assert.DoesNotContain("through the factory", text.ToString());
        Assert.DoesNotContain("dropped", text.ToString());
    }

    private static IHost Build(CapturedLogs logs, Func<IServiceProvider, StreamingContext> create, Action<SluiceStreamingOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Information);
        builder.Services.AddSluiceStreaming(create, configure);
        return builder.Build();
    }

    private sealed record Entry(string Category, Microsoft.Extensions.Logging.LogLevel Level, string Message);

    /// <summary>A logging provider that keeps what it is given (a real ILoggerProvider, the test's sink).</summary>
    private sealed class CapturedLogs : ILoggerProvider
    {
        private readonly ConcurrentQueue<Entry> _entries = new();

        public IReadOnlyCollection<Entry> Entries => [.. _entries];

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<Entry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(new Entry(category, logLevel, formatter(state, exception)));
        }
    }
}
