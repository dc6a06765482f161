using Sluice.Scheduling;
using Sluice.Util;

namespace Sluice.Receiving;

/// <summary>
/// Buffers received records and cuts a block every block interval (on the injected clock), handing each block to the
/// supervisor. A batch boundary also cuts, so records stored before a batch is generated belong to that batch.
/// </summary>
internal sealed class BlockGenerator<T>
{
    private readonly object _gate = new();
    private readonly Action<T[]> _onBlock;
    private readonly RecurringTimer _timer;
    private List<T> _buffer = [];
    private bool _stopped;
    private long _stored;

    public BlockGenerator(IClock clock, TimeSpan blockInterval, Action<T[]> onBlock, string name)
    {
        _onBlock = onBlock;
        _timer = new RecurringTimer(clock, Streaming.Time.ToMillis(blockInterval), _ => Cut(), $"sluice-block-generator-{name}");
    }

    public void Start() => _timer.Start(_timer.GetStartTime());

    public void Add(T record)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                throw new InvalidOperationException("the receiver's block generator is stopped; records can no longer be stored");
            }

            _buffer.Add(record);
            _stored++;
        }
    }

    /// <summary>Records stored through this generator since it started.</summary>
    public long StoredRecords
    {
        get
        {
            lock (_gate)
            {
                return _stored;
            }
        }
    }

    public bool HasBufferedData
    {
        get
        {
            lock (_gate)
            {
                return _buffer.Count > 0;
            }
        }
    }

    /// <summary>Turns everything buffered so far into a block.</summary>
    public void Cut()
    {
        // The block is handed on under the lock so that blocks reach the tracker in the order they were cut.
        lock (_gate)
        {
            if (_buffer.Count == 0)
            {
                return;
            }

            var block = _buffer.ToArray();
            _buffer = new List<T>(Math.Max(16, block.Length));
            _onBlock(block);
        }
    }

    /// <summary>Stops the timer and cuts the last block.</summary>
    public void Stop()
    {
        _timer.Stop();
        Cut();
        lock (_gate)
        {
            _stopped = true;
        }
    }
}
