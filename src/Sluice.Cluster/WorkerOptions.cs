using System.Net;

namespace Sluice.Cluster;

/// <summary>How a worker joins its cluster: the master, its executor slots and the address it listens on.</summary>
public sealed record WorkerOptions(ClusterMaster Master)
{
    /// <summary>Executor slots the worker offers (tasks it runs at once); the machine's processor count by default.</summary>
    public int Cores { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The silo port; its gateway (where drivers connect) is the next port. 0 picks free ones. With development membership
    /// the worker whose port is the membership URI's port is the primary that holds the membership table.
    /// </summary>
    public int Port { get; init; }

    /// <summary>The address to listen on and advertise to the others: loopback unless configured.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>True for the development primary: it holds the membership table and is not checked for beforehand.</summary>
    public bool IsDevelopmentPrimary =>
        Master.Membership.Kind == MembershipKind.Development && Port == Master.Membership.Port &&
        (Address.Equals(IPAddress.Any) || Membership.Resolve(Master.Membership.Host).Equals(Address));
}
