using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sluice.Monitoring;
using Sluice.Storage;
using Sluice.Streaming;

namespace Sluice.Tests.Streaming;

/// <summary>Bounded polling: waits for a condition that another thread makes true, never longer than a limit.</summary>
internal static class Wait
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static void Until(Func<bool> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Limit;
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"timed out after {limit.TotalSeconds} s waiting for {what()}");
            }

            Thread.Sleep(5);
        }
    }

    public static void Until(Func<bool> condition, string what, TimeSpan? timeout = null) => Until(condition, () => what, timeout);
}

/// <summary>Records every streaming event, for assertions on order and content.</summary>
internal sealed class RecordingListener : IStreamingListener
{
    private readonly object _gate = new();
    private readonly List<BatchInfo> _submitted = [];
    private readonly List<BatchInfo> _started = [];
    private readonly List<BatchInfo> _completed = [];
    private readonly List<OutputOperationInfo> _operationsCompleted = [];
    private readonly List<ReceiverInfo> _receiverStarted = [];
    private readonly List<ReceiverInfo> _receiverErrors = [];
    private readonly List<ReceiverInfo> _receiverStopped = [];

    public List<BatchInfo> Submitted => Snapshot(_submitted);

    public List<BatchInfo> Started => Snapshot(_started);

    public List<BatchInfo> Completed => Snapshot(_completed);

    public List<OutputOperationInfo> OperationsCompleted => Snapshot(_operationsCompleted);

    public List<ReceiverInfo> ReceiverStarted => Snapshot(_receiverStarted);

    public List<ReceiverInfo> ReceiverErrors => Snapshot(_receiverErrors);

    public List<ReceiverInfo> ReceiverStopped => Snapshot(_receiverStopped);

    public void OnBatchSubmitted(BatchInfo batch) => Add(_submitted, batch);

    public void OnBatchStarted(BatchInfo batch) => Add(_started, batch);

    public void OnBatchCompleted(BatchInfo batch) => Add(_completed, batch);

    public void OnOutputOperationCompleted(OutputOperationInfo operation) => Add(_operationsCompleted, operation);

    public void OnReceiverStarted(ReceiverInfo receiver) => Add(_receiverStarted, receiver);

    public void OnReceiverError(ReceiverInfo receiver) => Add(_receiverErrors, receiver);

    public void OnReceiverStopped(ReceiverInfo receiver) => Add(_receiverStopped, receiver);

    private void Add<T>(List<T> list, T item)
    {
        lock (_gate)
        {
            list.Add(item);
        }
    }

    private List<T> Snapshot<T>(List<T> list)
    {
        lock (_gate)
        {
            return [.. list];
        }
    }
}

/// <summary>
/// Counts the records a receiver stream has stored so far, without running a batch: cuts the receivers' buffered
/// records into blocks and walks the stream's input blocks in the block manager. Poll it between two batches, so that
/// no block is both stored and freed between two polls.
/// </summary>
internal sealed class StoredInputCounter(StreamingContext ssc, int streamId)
{
    private long _nextSequence = 1;
    private long _total;

    public long Poll()
    {
        foreach (var supervisor in ssc.ReceiverTracker.Supervisors)
        {
            if (supervisor.StreamId == streamId)
            {
                supervisor.FlushBlock();
            }
        }

        var blocks = ssc.SluiceContext.BlockManager;
        while (blocks.RecordCount(BlockId.Input(streamId, _nextSequence)) is var n and >= 0)
        {
            _total += n;
            _nextSequence++;
        }

        return _total;
    }

    public void WaitFor(long expected)
    {
        long seen = 0;
        Wait.Until(() => (seen = Poll()) >= expected, () => $"{expected} records stored by stream {streamId} (stored: {seen})");
        Assert.Equal(expected, seen);
    }
}

/// <summary>A fresh directory under the temp directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sluice-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A TCP server on 127.0.0.1 that a test drives: accept, write, close.</summary>
internal sealed class LineServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public LineServer() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async Task<TcpClient> AcceptAsync()
    {
        using var timeout = new CancellationTokenSource(Wait.Limit);
        try
        {
            return await _listener.AcceptTcpClientAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no connection to 127.0.0.1:{Port} within {Wait.Limit.TotalSeconds} s");
        }
    }

    public void Dispose() => _listener.Stop();
}
