using System.Diagnostics;
using System.Text;
using Sluice.Recovery;

namespace Sluice.Tests.Receiving;

[Collection(ChildProcessCollection.Name)]
public sealed class WriteAheadLogCrashTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sluice-wal-crash-").FullName;

    [Theory(Timeout = 120_000)]
    [InlineData("always", 200)]
    [InlineData("batch", 2000)]
    public async Task AcknowledgedRecordsSurviveSigkill(string policy, int killAfter)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Sluice.TestApps.dll"));
        start.ArgumentList.Add("wal-writer");
        start.ArgumentList.Add(_dir);
        start.ArgumentList.Add(policy);
        using var child = Process.Start(start)!;
        long lastAcked = -1;
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            lastAcked = long.Parse(line["acked ".Length..]);
            if (lastAcked >= killAfter)
            {
                break;
            }
        }

        // SIGKILL: no shutdown code runs in the child; whatever was acknowledged must already be in the log.
        child.Kill(entireProcessTree: true);
        await child.WaitForExitAsync();
        Assert.True(lastAcked >= killAfter, $"child stopped early: {await child.StandardError.ReadToEndAsync()}");

        var recovered = WriteAheadLog.ReadAll(_dir).Select(r => Encoding.UTF8.GetString(r.Payload)).ToList();
        Assert.True(recovered.Count >= lastAcked + 1, $"{recovered.Count} records recovered, {lastAcked + 1} acknowledged");
        for (int i = 0; i <= lastAcked; i++)
        {
            Assert.Equal($"record-{i}-{new string('r', i % 500)}", recovered[i]);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
