using Orleans.Configuration;

namespace Sluice.Cluster;

/// <summary>
/// Orleans' failure detection tuned so that a dead worker is declared dead within a few seconds rather than its default
/// tens of seconds: a micro-batch is a second or so, and every batch a dead worker holds up waits for the declaration.
/// </summary>
internal static class FailureDetection
{
    /// <summary>
    /// How long a probe may take before it counts as missed, and the probe period (Orleans' default 5 s). A killed
    /// worker refuses the probe at once, so the period and the missed-probe limit decide how soon it is suspected.
    /// </summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Missed probes before a silo suspects its peer (Orleans' default 3): a dead worker is suspected after about 8 s.
    /// Three probes of 1 s, and then of 2 s, declared live workers dead while they started on a 2-core machine under a
    /// load average of 25 to 30 (other builds); four of 2 s did not.
    /// </summary>
    public const int MissedProbesLimit = 4;

    /// <summary>
    /// Suspicions needed to declare a silo dead (Orleans' default 2, which it lowers when fewer silos are alive to vote):
    /// one suspicious silo alone cannot evict a live but overloaded peer. Indirect probes (through another silo) stay on.
    /// </summary>
    public const int VotesForDeathDeclaration = 2;

    /// <summary>How often a silo re-reads the membership table (default 60 s).</summary>
    public static readonly TimeSpan TableRefreshTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How often a silo writes its I-am-alive time (default 30 s), which a joining silo uses to skip dead entries.</summary>
    public static readonly TimeSpan IAmAlivePublishTimeout = TimeSpan.FromSeconds(5);

    public static void Apply(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = ProbeTimeout;
        options.NumMissedProbesLimit = MissedProbesLimit;
        options.NumVotesForDeathDeclaration = VotesForDeathDeclaration;
        options.TableRefreshTimeout = TableRefreshTimeout;
        options.IAmAliveTablePublishTimeout = IAmAlivePublishTimeout;
        options.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
        options.MaxJoinAttemptTime = TimeSpan.FromSeconds(20);
    }
}
