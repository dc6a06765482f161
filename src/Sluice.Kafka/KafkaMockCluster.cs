using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Sluice.Kafka;

/// <summary>
/// librdkafka's mock cluster: brokers that speak the real Kafka protocol on loopback ports, inside this process, alive
/// until disposed. For tests, demos (<c>sluice kafka-mock</c>) and benchmarks when no broker is installed; it keeps at
/// most ~5 MiB per partition (the oldest records are dropped, as retention would).
/// </summary>
public sealed class KafkaMockCluster : IDisposable
{
    private IntPtr _handle;
    private readonly IntPtr _cluster;

    /// <summary>Starts a mock cluster of <paramref name="brokers"/> brokers.</summary>
    public KafkaMockCluster(int brokers = 3)
    {
        if (brokers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(brokers), brokers, "a mock cluster needs at least one broker");
        }

        Native.EnsureResolver();
        var error = new StringBuilder(512);
        IntPtr conf = Native.rd_kafka_conf_new();
        Set(conf, "test.mock.num.brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Set(conf, "log_level", "3");
        _handle = Native.rd_kafka_new(0, conf, error, (UIntPtr)error.Capacity);
        if (_handle == IntPtr.Zero)
        {
            throw new InvalidOperationException($"could not start librdkafka's mock cluster: {error}");
        }

        _cluster = Native.rd_kafka_handle_mock_cluster(_handle);
        BootstrapServers = Marshal.PtrToStringUTF8(Native.rd_kafka_mock_cluster_bootstraps(_cluster))
            ?? throw new InvalidOperationException("librdkafka's mock cluster has no bootstrap servers");
        Brokers = brokers;

        // A consumer group's first join would wait 3 s for more members otherwise.
        Native.rd_kafka_mock_group_initial_rebalance_delay_ms(_cluster, 0);
    }

    /// <summary>The brokers' addresses, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>The number of brokers (ids 1 to this).</summary>
    public int Brokers { get; }

    /// <summary>Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions (the mock has no CreateTopics request).</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1) =>
        Check(Native.rd_kafka_mock_topic_create(Cluster, topic, partitions, replicationFactor), $"create topic {topic} with {partitions} partitions");

    /// <summary>Takes broker <paramref name="brokerId"/> down: its connections are closed and new ones refused until <see cref="SetBrokerUp"/>.</summary>
    public void SetBrokerDown(int brokerId) => Check(Native.rd_kafka_mock_broker_set_down(Cluster, brokerId), $"set broker {brokerId} down");

    /// <summary>Brings broker <paramref name="brokerId"/> back.</summary>
    public void SetBrokerUp(int brokerId) => Check(Native.rd_kafka_mock_broker_set_up(Cluster, brokerId), $"set broker {brokerId} up");

    /// <summary>Stops the brokers.</summary>
    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (handle != IntPtr.Zero)
        {
            Native.rd_kafka_destroy(handle);
        }
    }

    private IntPtr Cluster => _handle != IntPtr.Zero ? _cluster : throw new ObjectDisposedException(nameof(KafkaMockCluster));

    private static void Set(IntPtr conf, string name, string value)
    {
        var error = new StringBuilder(512);
        if (Native.rd_kafka_conf_set(conf, name, value, error, (UIntPtr)error.Capacity) != 0)
        {
            throw new InvalidOperationException($"librdkafka: {name}={value}: {error}");
        }
    }

    private static void Check(int code, string what)
    {
        if (code != 0)
        {
            throw new InvalidOperationException($"mock cluster: could not {what}: {Marshal.PtrToStringUTF8(Native.rd_kafka_err2str(code))}");
        }
    }

    private static class Native
    {
        private const string Lib = "librdkafka";
        private static int _resolverSet;

        /// <summary>Loads the librdkafka build Confluent.Kafka ships that works here (its default one needs a libsasl2 Debian lacks).</summary>
        public static void EnsureResolver()
        {
            if (Interlocked.Exchange(ref _resolverSet, 1) == 0)
            {
                NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, Resolve);
            }
        }

        private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
        {
            if (name != Lib)
            {
                return IntPtr.Zero;
            }

            string native = Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier.StartsWith("linux-arm64", StringComparison.Ordinal) ? "linux-arm64" : "linux-x64", "native");
            foreach (var candidate in new[] { "librdkafka.so", "centos8-librdkafka.so" })
            {
                if (NativeLibrary.TryLoad(Path.Combine(native, candidate), out var handle))
                {
                    return handle;
                }
            }

            return NativeLibrary.TryLoad(Lib, assembly, path, out var fallback) ? fallback : IntPtr.Zero;
        }

#pragma warning disable SYSLIB1054, CA2101 // plain DllImport with StringBuilder buffers, as librdkafka's own bindings
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_conf_new();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, CharSet = CharSet.Ansi)]
        public static extern int rd_kafka_conf_set(IntPtr conf, string name, string value, StringBuilder errstr, UIntPtr errstrSize);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, CharSet = CharSet.Ansi)]
        public static extern IntPtr rd_kafka_new(int type, IntPtr conf, StringBuilder errstr, UIntPtr errstrSize);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void rd_kafka_destroy(IntPtr rk);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_handle_mock_cluster(IntPtr rk);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, CharSet = CharSet.Ansi)]
        public static extern int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr cluster, int delayMs);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_err2str(int err);
#pragma warning restore SYSLIB1054, CA2101
    }
}
