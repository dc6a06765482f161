namespace Sluice.Cluster.Tests;

/// <summary>A worker or driver whose membership store is not there says so in one line and exits non-zero.</summary>
public sealed class UnreachableMembershipTests
{
    [Theory(Timeout = 120_000)]
    [InlineData("dev", "the primary worker at 127.0.0.1:{0} (development membership)")]
    [InlineData("redis", "Redis at 127.0.0.1:{0}")]
    public async Task AWorkerThatCannotReachItsMembershipStoreSaysSoInOneLine(string kind, string expected)
    {
        int port = ClusterProcesses.ClosedPort();
        var (code, output, errors) = await Task.Run(() => ClusterProcesses.Run("worker", "--cluster", "c1", "--membership", $"{kind}://127.0.0.1:{port}"));
        Assert.Equal(1, code);
        string line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal($"sluice: worker cannot reach the membership store of cluster 'c1': {string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, port)}: connection refused", line);
        Assert.Equal("", output.Trim());
    }

    [Theory(Timeout = 120_000)]
    [InlineData("dev")]
    [InlineData("redis")]
    public async Task ADriverThatCannotReachItsMembershipStoreSaysSoInOneLine(string kind)
    {
        int port = ClusterProcesses.ClosedPort();
        var (code, _, errors) = await Task.Run(() => ClusterProcesses.Run("cluster", "status", "--master", $"cluster://c2@{kind}://127.0.0.1:{port}"));
        Assert.Equal(1, code);
        string line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("sluice: driver cannot reach the membership store of cluster 'c2': ", line, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.EndsWith(": connection refused", line, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task AMalformedMembershipUriIsAUsageError()
    {
        var (code, _, errors) = await Task.Run(() => ClusterProcesses.Run("worker", "--cluster", "c3", "--membership", "zk://127.0.0.1:2181"));
        Assert.Equal(2, code);
        Assert.Contains("expected dev://<host>:<port>", errors, StringComparison.Ordinal);
    }
}
