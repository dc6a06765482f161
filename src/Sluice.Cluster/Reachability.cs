using System.Net;
using System.Net.Sockets;

namespace Sluice.Cluster;

/// <summary>
/// Checks that the membership store answers on TCP before Orleans is started: Orleans itself retries a store it cannot
/// reach for its whole join time and then fails with a message about silos, not about the store the user named.
/// </summary>
internal static class Reachability
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static async Task EnsureAsync(ClusterMaster master, string role, CancellationToken cancel)
    {
        var membership = master.Membership;
        IPEndPoint endpoint;
        try
        {
            endpoint = membership.EndPoint();
        }
        catch (Exception e) when (e is SocketException or FormatException)
        {
            throw new ClusterUnreachableException($"{role} cannot reach the membership store {membership} of cluster '{master.Name}': {e.Message}", e);
        }

        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(Timeout);
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            string why = e is SocketException s ? s.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused" : s.Message : $"no answer within {Timeout.TotalSeconds:0} s";
            string what = membership.Kind == MembershipKind.Development ? $"the primary worker at {endpoint} (development membership)" : $"Redis at {endpoint}";
            throw new ClusterUnreachableException($"{role} cannot reach the membership store of cluster '{master.Name}': {what}: {why}", e);
        }
    }
}
