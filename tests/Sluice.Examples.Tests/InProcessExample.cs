using Sluice.Configuration;
using Sluice.Streaming;

namespace Sluice.Examples.Tests;

/// <summary>Runs an example of the catalog on a background thread on the wall clock (the direct stream asks Kafka at each batch), and stops it gracefully.</summary>
internal sealed class InProcessExample : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _started = new();
    private readonly Task<int> _run;
    private StreamingContext? _ssc;

    public InProcessExample(string name, params string[] args)
    {
        var example = ExampleCatalog.Find(name) ?? throw new ArgumentException($"no example {name}");
        var env = new ExampleEnvironment
        {
            Conf = new SluiceConf(loadDefaults: false).SetMaster("local[2]").Set(ConfigKeys.UiEnabled, "false").Set(ConfigKeys.LogLevel, "error"),
            BatchInterval = TimeSpan.FromMilliseconds(200),
            Output = Output,
            Stop = _stop.Token,
            OnStarted = ssc =>
            {
                _ssc = ssc;
                _started.Set();
            },
        };
        _run = Task.Factory.StartNew(() => example.Run(args, env), TaskCreationOptions.LongRunning);
        if (!_started.Wait(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException($"{name} did not start: {(_run.IsFaulted ? _run.Exception : null)}");
        }
    }

    public StreamingContext Context => _ssc!;

    private readonly StringWriter _text = new();

    /// <summary>Where the example prints.</summary>
    public TextWriter Output => _output ??= TextWriter.Synchronized(_text);

    private TextWriter? _output;

    /// <summary>The end of what the example printed.</summary>
    public string Printed()
    {
        lock (Output)
        {
            string text = _text.ToString();
            return text.Length > 3000 ? text[^3000..] : text;
        }
    }

    /// <summary>Waits until <paramref name="done"/> holds; fails if the example ended first.</summary>
    public void WaitUntil(Func<bool> done, string what, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (!done())
        {
            if (_run.IsCompleted)
            {
                Assert.Fail($"the example ended while waiting for {what}: {(_run.IsFaulted ? _run.Exception : _run.Result)}");
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}: {state?.Invoke()} (output: {Printed()})");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>Stops gracefully and returns the exit code.</summary>
    public int StopAndWait()
    {
        _stop.Cancel();
        Assert.True(_run.Wait(TimeSpan.FromSeconds(30)), $"the example did not stop within 30 s: {Printed()}");
        return _run.Result;
    }

    public void Dispose()
    {
        if (!_run.IsCompleted)
        {
            _stop.Cancel();
            _run.Wait(TimeSpan.FromSeconds(10));
        }

        _stop.Dispose();
        _started.Dispose();
    }
}
