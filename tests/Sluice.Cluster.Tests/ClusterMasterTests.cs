using Sluice.Cluster;

namespace Sluice.Cluster.Tests;

public sealed class ClusterMasterTests
{
    [Fact]
    public void ParsesAndPrintsTheMasterUrlOfBothMembershipKinds()
    {
        var dev = ClusterMaster.Parse("cluster://demo@dev://127.0.0.1:11111");
        Assert.Equal(("demo", MembershipKind.Development, "127.0.0.1", 11111), (dev.Name, dev.Membership.Kind, dev.Membership.Host, dev.Membership.Port));
        Assert.Equal("cluster://demo@dev://127.0.0.1:11111", dev.ToString());
        Assert.Equal(11112, dev.Membership.PrimaryGateway().Port);

        var redis = ClusterMaster.Parse("cluster://prod-1@redis://localhost:6379/");
        Assert.Equal((MembershipKind.Redis, "localhost", 6379), (redis.Membership.Kind, redis.Membership.Host, redis.Membership.Port));
        Assert.Equal("cluster://prod-1@redis://localhost:6379", redis.ToString());
    }

    [Theory]
    [InlineData("local[2]", "not a cluster master")]
    [InlineData("cluster://dev://127.0.0.1:1", "no cluster name")]
    [InlineData("cluster://a b@dev://127.0.0.1:1", "cluster name 'a b'")]
    [InlineData("cluster://x@zk://127.0.0.1:1", "expected dev://")]
    [InlineData("cluster://x@redis://127.0.0.1", "needs a host and a port")]
    [InlineData("cluster://x@redis://127.0.0.1:70000", "needs a host and a port")]
    public void SaysWhatIsWrongWithAMasterUrl(string url, string expected)
    {
        var e = Assert.Throws<FormatException>(() => ClusterMaster.Parse(url));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheWorkerOnTheDevelopmentMembershipPortIsThePrimary()
    {
        var master = ClusterMaster.Parse("cluster://demo@dev://127.0.0.1:11111");
        Assert.True(new WorkerOptions(master) { Port = 11111 }.IsDevelopmentPrimary);
        Assert.False(new WorkerOptions(master) { Port = 0 }.IsDevelopmentPrimary);
        Assert.False(new WorkerOptions(ClusterMaster.Parse("cluster://demo@redis://127.0.0.1:11111")) { Port = 11111 }.IsDevelopmentPrimary);
    }
}
