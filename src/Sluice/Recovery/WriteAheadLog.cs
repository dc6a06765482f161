using System.Buffers.Binary;
using Sluice.Monitoring;
using Sluice.Util;

namespace Sluice.Recovery;

/// <summary>Where a record sits in the write-ahead log.</summary>
public sealed record WalRecordHandle(string Path, long Offset, int Length);

/// <summary>When the write-ahead log forces its writes to disk.</summary>
public enum WalFsyncPolicy
{
    /// <summary>After every record.</summary>
    Always,
    /// <summary>After each group of records written together (group commit): one sync acknowledges many writers.</summary>
    Batch,
    /// <summary>Never explicitly; the operating system decides.</summary>
    Never,
}

/// <summary>
/// A write-ahead log of rolling segment files (<c>log-&lt;startMs&gt;</c>), each record framed as length + CRC-32 + payload
/// so that a torn last write is detected and skipped on read. Writers are grouped: a writer thread writes every
/// pending record and syncs once per group, and each writer returns only when its record is durable per the policy.
/// </summary>
public sealed class WriteAheadLog : IDisposable
{
    private const int HeaderBytes = 8;
    private readonly string _directory;
    private readonly IClock _clock;
    private readonly long _rollingMillis;
    private readonly WalFsyncPolicy _fsync;
    private readonly WriteAheadLogMetrics? _metrics;
    private readonly object _gate = new();
    private readonly List<Pending> _pending = [];
    private readonly Thread _writer;
    private FileStream? _segment;
    private long _segmentStart;
    private bool _closed;

    /// <summary>Opens (or continues) a log in <paramref name="directory"/>.</summary>
    public WriteAheadLog(string directory, IClock clock, TimeSpan rollingInterval, WalFsyncPolicy fsync, WriteAheadLogMetrics? metrics = null)
    {
        _metrics = metrics;
        _directory = directory;
        _clock = clock;
        _rollingMillis = Math.Max(1, (long)rollingInterval.TotalMilliseconds);
        _fsync = fsync;
        Directory.CreateDirectory(directory);
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = $"sluice-wal-{System.IO.Path.GetFileName(directory)}" };
        _writer.Start();
    }

    private void Sync(FileStream segment)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        segment.Flush(flushToDisk: true);
        _metrics?.AddSync(System.Diagnostics.Stopwatch.GetElapsedTime(start));
    }

    /// <summary>Parses a policy name; anything else is an error naming the key and value.</summary>
    public static WalFsyncPolicy ParsePolicy(string text) => text.Trim().ToLowerInvariant() switch
    {
        "always" => WalFsyncPolicy.Always,
        "batch" => WalFsyncPolicy.Batch,
        "never" => WalFsyncPolicy.Never,
        _ => throw new Configuration.ConfigurationException($"sluice.streaming.receiver.writeAheadLog.fsync='{text}' is not one of always, batch, never"),
    };

    /// <summary>Appends a record and returns once it is written (and synced, per the policy).</summary>
    public WalRecordHandle Write(ReadOnlySpan<byte> record)
    {
        var pending = new Pending(record.ToArray());
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _pending.Add(pending);
            Monitor.PulseAll(_gate);
            while (pending.Handle is null && pending.Error is null)
            {
                Monitor.Wait(_gate);
            }
        }

        return pending.Error is { } e ? throw new IOException($"write-ahead log {_directory}: {e.Message}", e) : pending.Handle!;
    }

    /// <summary>Reads one record back, verifying its checksum.</summary>
    public static byte[] Read(WalRecordHandle handle)
    {
        using var file = new FileStream(handle.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        file.Position = handle.Offset;
        return ReadRecord(file, handle.Path) ?? throw new InvalidDataException($"write-ahead log record at {handle.Path}:{handle.Offset} is torn or corrupt");
    }

    /// <summary>Every intact record of every segment in order; a torn or corrupt tail of a segment is reported and skipped.</summary>
    public static IEnumerable<(WalRecordHandle Handle, byte[] Payload)> ReadAll(string directory)
    {
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        foreach (var path in Segments(directory).Select(s => s.Path))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            while (file.Position < file.Length)
            {
                long offset = file.Position;
                var payload = ReadRecord(file, path);
                if (payload is null)
                {
                    Log.Warn($"write-ahead log {path}: torn or corrupt record at offset {offset} ({file.Length - offset} bytes) ignored");
                    break;
                }

                yield return (new WalRecordHandle(path, offset, payload.Length), payload);
            }
        }
    }

    /// <summary>Deletes segments that hold only records older than <paramref name="thresholdMillis"/>.</summary>
    public int Clean(long thresholdMillis)
    {
        var segments = Segments(_directory);
        int removed = 0;
        for (int i = 0; i + 1 < segments.Count; i++)
        {
            // A segment ends where the next one starts.
            if (segments[i + 1].Start <= thresholdMillis && segments[i].Path != _segment?.Name)
            {
                File.Delete(segments[i].Path);
                removed++;
            }
        }

        return removed;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            Monitor.PulseAll(_gate);
        }

        _writer.Join();
        _segment?.Dispose();
    }

    private static List<(string Path, long Start)> Segments(string directory) =>
        Directory.EnumerateFiles(directory, "log-*")
            .Select(p => (Path: p, Start: long.TryParse(System.IO.Path.GetFileName(p)[4..], out long s) ? s : -1))
            .Where(s => s.Start >= 0)
            .OrderBy(s => s.Start)
            .ToList();

    private static byte[]? ReadRecord(FileStream file, string path)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes)
        {
            return null;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (length < 0 || length > file.Length - file.Position)
        {
            return null;
        }

        var payload = new byte[length];
        file.ReadExactly(payload);
        return Crc32.Compute(payload) == crc ? payload : null;
    }

    private void WriteLoop()
    {
        var header = new byte[HeaderBytes];
        while (true)
        {
            List<Pending> group;
            lock (_gate)
            {
                while (_pending.Count == 0 && !_closed)
                {
                    Monitor.Wait(_gate);
                }

                if (_pending.Count == 0)
                {
                    return;
                }

                group = [.. _pending];
                _pending.Clear();
            }

            Exception? error = null;
            var handles = new WalRecordHandle[group.Count];
            long groupBytes = 0;
            try
            {
                var segment = CurrentSegment();
                for (int i = 0; i < group.Count; i++)
                {
                    var p = group[i];
                    long offset = segment.Position;
                    BinaryPrimitives.WriteInt32LittleEndian(header, p.Payload.Length);
                    BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), Crc32.Compute(p.Payload));
                    segment.Write(header);
                    segment.Write(p.Payload);
                    if (_fsync == WalFsyncPolicy.Always)
                    {
                        Sync(segment);
                    }

                    handles[i] = new WalRecordHandle(segment.Name, offset, p.Payload.Length);
                    groupBytes += HeaderBytes + p.Payload.Length;
                }

                if (_fsync == WalFsyncPolicy.Batch)
                {
                    Sync(segment);
                }
                else
                {
                    segment.Flush(flushToDisk: false);
                }

                _metrics?.AddWrite(groupBytes, group.Count);
            }
            catch (Exception e)
            {
                error = e;
            }

            // Handles are published only now, after the sync: a writer never sees its record before it is durable.
            lock (_gate)
            {
                for (int i = 0; i < group.Count; i++)
                {
                    if (error is null)
                    {
                        group[i].Handle = handles[i];
                    }
                    else
                    {
                        group[i].Error = error;
                    }
                }

                Monitor.PulseAll(_gate);
            }
        }
    }

    private FileStream CurrentSegment()
    {
        long now = _clock.GetTimeMillis();
        if (_segment is null || now - _segmentStart >= _rollingMillis)
        {
            _segment?.Dispose();
            _segmentStart = now;
            string path = System.IO.Path.Combine(_directory, $"log-{now}");
            _segment = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete, 1 << 16);
        }

        return _segment;
    }

    private sealed class Pending(byte[] payload)
    {
        public readonly byte[] Payload = payload;
        public WalRecordHandle? Handle;
        public Exception? Error;
    }
}
