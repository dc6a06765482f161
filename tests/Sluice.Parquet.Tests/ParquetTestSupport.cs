using System.Diagnostics;
using Parquet.Serialization;

namespace Sluice.Parquet.Tests;

/// <summary>A record of the Parquet tests: the column types a schema from a class has (string, long, double, bool, nullable).</summary>
public sealed record Trade
{
    public string Symbol { get; init; } = "";

    public long Quantity { get; init; }

    public double Price { get; init; }

    public bool Buy { get; init; }

    public int? Venue { get; init; }

    public string? Note { get; init; }
}

/// <summary>A fresh directory for one test, deleted after it.</summary>
internal sealed class TestDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("sluice-parquet-tests-").FullName;

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class ParquetTestSupport
{
    public static List<Trade> Trades(int seed, int count)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => new Trade
        {
            Symbol = $"S{rng.Next(40)}-{Guid.NewGuid():N}",
            Quantity = rng.NextInt64(-1000, 1_000_000),
            Price = rng.Next(100_000) / 16.0,
            Buy = rng.Next(2) == 0,
            Venue = i % 4 == 0 ? null : rng.Next(10),
            Note = i % 3 == 0 ? null : $"note {i} ✓",
        })];
    }

    /// <summary>The records of a Parquet file as another reader (Parquet.Net on its own) sees them.</summary>
    public static List<Trade> ReadFile(string path) =>
        [.. ParquetSerializer.DeserializeAsync<Trade>(path).GetAwaiter().GetResult().Data];

    /// <summary>Writes a Parquet file under a hidden name and renames it in, as a producer should.</summary>
    public static void Publish(string directory, string name, IEnumerable<Trade> trades)
    {
        string hidden = System.IO.Path.Combine(directory, "." + name);
        ParquetSerializer.SerializeAsync(trades, hidden).GetAwaiter().GetResult();
        File.Move(hidden, System.IO.Path.Combine(directory, name));
    }

    /// <summary>Writes <paramref name="records"/> as a Parquet file at <paramref name="path"/>, in place.</summary>
    public static void WriteFile<T>(string path, IEnumerable<T> records) =>
        ParquetSerializer.SerializeAsync(records, path).GetAwaiter().GetResult();

    public static void PublishBytes(string directory, string name, byte[] bytes)
    {
        string hidden = System.IO.Path.Combine(directory, "." + name);
        File.WriteAllBytes(hidden, bytes);
        File.Move(hidden, System.IO.Path.Combine(directory, name));
    }

    public static void WaitUntil(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"timed out after 30 s waiting for {what}");
            }

            Thread.Sleep(5);
        }
    }

    public static void Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', args)} failed: {error}");
    }
}
