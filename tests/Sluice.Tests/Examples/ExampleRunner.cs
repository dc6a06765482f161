using System.Text.RegularExpressions;
using Sluice.Configuration;
using Sluice.Examples;
using Sluice.Monitoring;
using Sluice.Streaming;
using Sluice.Util;

namespace Sluice.Tests.Examples;

/// <summary>Runs an example on a background thread with a manual clock, and lets the test drive batches and stop it.</summary>
internal sealed partial class ExampleRunner : IStreamingListener, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _started = new();
    private readonly SemaphoreSlim _batches = new(0);
    private readonly Task<int> _run;
    private StreamingContext? _ssc;

    public ExampleRunner(Example example, params string[] args)
    {
        var env = new ExampleEnvironment
        {
            Conf = new SluiceConf(loadDefaults: false).SetMaster("local[2]").Set(ConfigKeys.ReceiverRestartDelay, "20ms").Set(ConfigKeys.BlockInterval, "100ms"),
            Clock = Clock,
            Output = Output,
            Stop = _stop.Token,
            OnStarted = ssc =>
            {
                _ssc = ssc;
                ssc.AddStreamingListener(this);
                _started.Set();
            },
        };
        _run = Task.Factory.StartNew(() => example.Run(args, env), TaskCreationOptions.LongRunning);
        if (!_started.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"{example.Name} did not start: {(_run.IsFaulted ? _run.Exception : null)}");
        }
    }

    public ManualClock Clock { get; } = new();

    public StringWriter Output { get; } = new();

    public StreamingContext Context => _ssc!;

    /// <summary>Advances the clock to <paramref name="time"/> and waits for one batch to complete.</summary>
    public void RunBatchAt(long time)
    {
        Clock.SetTime(time);
        if (!_batches.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"no batch completed at {time} ms");
        }
    }

    /// <summary>Stops the example gracefully and returns its exit code.</summary>
    public int StopAndWait()
    {
        _stop.Cancel();
        return Wait();
    }

    public int Wait() =>
        _run.Wait(TimeSpan.FromSeconds(60)) ? _run.Result : throw new TimeoutException("the example did not finish");

    void IStreamingListener.OnBatchCompleted(BatchInfo batch) => _batches.Release();

    /// <summary>Sums the (key,count) records of every Print block in the output.</summary>
    public Dictionary<string, long> PrintedCounts()
    {
        var totals = new Dictionary<string, long>();
        foreach (Match m in PrintedPair().Matches(Output.ToString()))
        {
            totals[m.Groups[1].Value] = totals.GetValueOrDefault(m.Groups[1].Value) + long.Parse(m.Groups[2].Value);
        }

        return totals;
    }

    [GeneratedRegex(@"^\((.*),(-?\d+)\)$", RegexOptions.Multiline)]
    private static partial Regex PrintedPair();

    public void Dispose()
    {
        _stop.Cancel();
        _run.Wait(TimeSpan.FromSeconds(30));
    }
}
