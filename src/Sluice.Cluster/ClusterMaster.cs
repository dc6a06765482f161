using System.Net;

namespace Sluice.Cluster;

/// <summary>
/// A cluster master URL, <c>cluster://&lt;name&gt;@&lt;membership-uri&gt;</c>: the Orleans cluster id and the membership store
/// its workers and drivers meet in (<see cref="Membership"/>).
/// </summary>
public sealed record ClusterMaster(string Name, Membership Membership)
{
    /// <summary>The URL prefix of a cluster master.</summary>
    public const string Scheme = "cluster://";

    /// <summary>Parses <c>cluster://name@membership</c>; the error names what is wrong with the URL.</summary>
    public static ClusterMaster Parse(string url)
    {
        if (!url.StartsWith(Scheme, StringComparison.Ordinal))
        {
            throw new FormatException($"master '{url}' is not a cluster master: expected cluster://<name>@<membership-uri>, such as cluster://demo@dev://127.0.0.1:11111");
        }

        string rest = url[Scheme.Length..];
        int at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0)
        {
            throw new FormatException($"master '{url}' has no cluster name: expected cluster://<name>@<membership-uri>");
        }

        return new ClusterMaster(CheckName(rest[..at]), Membership.Parse(rest[(at + 1)..]));
    }

    /// <summary>Checks a cluster name: letters, digits, '-', '_' and '.', as an Orleans cluster id and a Redis key part.</summary>
    public static string CheckName(string name)
    {
        if (name.Length == 0 || name.Length > 100 || !name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new FormatException($"cluster name '{name}' must be 1 to 100 letters, digits, '-', '_' or '.'");
        }

        return name;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Scheme}{Name}@{Membership}";
}

/// <summary>
/// Where the members of a cluster find each other: <c>dev://host:port</c> is Orleans' development clustering, whose
/// membership table lives in the primary silo listening on that endpoint (the first worker; zero dependencies, one
/// machine, and the cluster ends with its primary); <c>redis://host:port</c> is a Redis server
/// (Microsoft.Orleans.Clustering.Redis). PostgreSQL (ADO.NET clustering) comes in a later slice.
/// </summary>
public sealed record Membership(MembershipKind Kind, string Host, int Port)
{
    /// <summary>Parses a membership URI; the error lists the kinds understood.</summary>
    public static Membership Parse(string uri)
    {
        int sep = uri.IndexOf("://", StringComparison.Ordinal);
        string scheme = sep < 0 ? "" : uri[..sep];
        var kind = scheme switch
        {
            "dev" => MembershipKind.Development,
            "redis" => MembershipKind.Redis,
            _ => throw new FormatException($"membership '{uri}': expected dev://<host>:<port> (development, the primary worker's endpoint) or redis://<host>:<port>"),
        };
        string endpoint = uri[(sep + 3)..].TrimEnd('/');
        int colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new FormatException($"membership '{uri}' needs a host and a port between 1 and 65535, such as {scheme}://127.0.0.1:{(kind == MembershipKind.Redis ? 6379 : 11111)}");
        }

        return new Membership(kind, endpoint[..colon], port);
    }

    /// <summary>The membership store's endpoint (for development clustering, the primary worker's silo endpoint).</summary>
    public IPEndPoint EndPoint() => new(Resolve(Host), Port);

    /// <summary>For development clustering, the gateway endpoint of the primary worker a client connects to: the silo port plus one.</summary>
    public IPEndPoint PrimaryGateway() => new(Resolve(Host), Port + 1);

    /// <inheritdoc />
    public override string ToString() => $"{(Kind == MembershipKind.Redis ? "redis" : "dev")}://{Host}:{Port}";

    internal static IPAddress Resolve(string host) =>
        IPAddress.TryParse(host, out var address) ? address
        : Dns.GetHostAddresses(host).FirstOrDefault(static a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
          ?? throw new FormatException($"host '{host}' has no IPv4 address");
}

/// <summary>The membership stores a cluster can use.</summary>
public enum MembershipKind
{
    /// <summary>Orleans' development clustering: the membership table in the primary silo.</summary>
    Development,

    /// <summary>A Redis server.</summary>
    Redis,
}
