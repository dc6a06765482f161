using System.Collections;
using System.Globalization;

namespace Sluice.Configuration;

/// <summary>
/// Configuration of a Sluice application, with Spark-like keys. Values come, lowest precedence first, from
/// <c>conf/sluice-defaults.conf</c>, <c>SLUICE_*</c> environment variables, and code (including CLI <c>--conf k=v</c>).
/// </summary>
public sealed class SluiceConf
{
    /// <summary>Environment variables with the SLUICE_ prefix that are not configuration keys.</summary>
    private static readonly HashSet<string> ReservedEnvironment = new(StringComparer.OrdinalIgnoreCase) { "SLUICE_CONF_DIR", "SLUICE_HOME" };

    private readonly Dictionary<string, (string Value, string Origin)> _values = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a configuration; with <paramref name="loadDefaults"/> it reads the defaults file and the environment.</summary>
    public SluiceConf(bool loadDefaults = true)
    {
        if (loadDefaults)
        {
            string dir = Environment.GetEnvironmentVariable("SLUICE_CONF_DIR") ?? "conf";
            string file = Path.Combine(dir, "sluice-defaults.conf");
            if (File.Exists(file))
            {
                LoadFile(file);
            }

            LoadEnvironment(Environment.GetEnvironmentVariables());
        }
    }

    /// <summary>Sets a key from code.</summary>
    public SluiceConf Set(string key, string value) => SetFrom(key, value, "code");

    /// <summary>Sets the master URL (local, local[N], local[*]).</summary>
    public SluiceConf SetMaster(string master) => Set(ConfigKeys.Master, master);

    /// <summary>Where a key's value came from (code, a file and line, an environment variable, a CLI flag), or null when it is not set.</summary>
    public string? OriginOf(string key) => _values.TryGetValue(key, out var v) ? v.Origin : null;

    /// <summary>Sets the application name.</summary>
    public SluiceConf SetAppName(string name) => Set(ConfigKeys.AppName, name);

    /// <summary>Sets a key only if it has no value yet.</summary>
    public SluiceConf SetIfMissing(string key, string value) => Contains(key) ? this : Set(key, value);

    /// <summary>Applies <c>key=value</c> pairs such as those of CLI <c>--conf</c> flags.</summary>
    public SluiceConf SetAll(IEnumerable<string> pairs, string origin = "--conf")
    {
        foreach (string pair in pairs)
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                throw new ConfigurationException($"{origin} '{pair}': expected key=value");
            }

            SetFrom(pair[..eq].Trim(), pair[(eq + 1)..].Trim(), origin);
        }

        return this;
    }

    /// <summary>True when the key has a value (not counting defaults).</summary>
    public bool Contains(string key) => _values.ContainsKey(key);

    /// <summary>The value of a key, its default, or null.</summary>
    public string? Get(string key) =>
        _values.TryGetValue(key, out var v) ? v.Value : ConfigKeys.Find(key)?.DefaultValue;

    /// <summary>The value of a key or <paramref name="fallback"/>.</summary>
    public string Get(string key, string fallback) => Get(key) ?? fallback;

    /// <summary>Every key set explicitly, with its value.</summary>
    public IReadOnlyDictionary<string, string> GetAll() => _values.ToDictionary(kv => kv.Key, kv => kv.Value.Value);

    /// <summary>A whole-number value.</summary>
    public int GetInt(string key, int fallback = 0)
    {
        string? v = Get(key);
        return v is null ? fallback : Parse(key, v, ConfigKind.Int, s => int.Parse(s.Trim(), CultureInfo.InvariantCulture));
    }

    /// <summary>A byte-size value.</summary>
    public long GetBytes(string key, long fallback = 0)
    {
        string? v = Get(key);
        return v is null ? fallback : Parse(key, v, ConfigKind.Bytes, s => ConfigValues.TryParseBytes(s, out long b) ? b : 0);
    }

    /// <summary>A decimal value.</summary>
    public double GetDouble(string key, double fallback = 0)
    {
        string? v = Get(key);
        return v is null ? fallback : Parse(key, v, ConfigKind.Double, s => double.Parse(s.Trim(), CultureInfo.InvariantCulture));
    }

    /// <summary>A true/false value.</summary>
    public bool GetBool(string key, bool fallback = false)
    {
        string? v = Get(key);
        return v is null ? fallback : Parse(key, v, ConfigKind.Bool, s => bool.Parse(s.Trim()));
    }

    /// <summary>A duration value.</summary>
    public TimeSpan GetDuration(string key, TimeSpan fallback = default)
    {
        string? v = Get(key);
        return v is null ? fallback : Parse(key, v, ConfigKind.Duration, s => ConfigValues.ParseDuration(s, key));
    }

    /// <summary>Number of local worker threads the master URL asks for.</summary>
    public int ExecutorThreads
    {
        get
        {
            string v = Get(ConfigKeys.Master, "local[*]");
            return Parse(ConfigKeys.Master, v, ConfigKind.Master, s => ConfigValues.TryParseMaster(s, out int n) ? n : 0);
        }
    }

    /// <summary>Default number of shuffle partitions.</summary>
    public int DefaultParallelism => GetInt(ConfigKeys.DefaultParallelism, ExecutorThreads);

    /// <summary>Checks every key and value, and the combinations that cannot work; throws one message naming key and value.</summary>
    public void Validate(TimeSpan? batchInterval = null)
    {
        foreach (var (key, (value, origin)) in _values)
        {
            var entry = ConfigKeys.Find(key);
            if (entry is null)
            {
                if (key.StartsWith("sluice.", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ConfigurationException($"unknown configuration key '{key}' (value '{value}', from {origin}){Suggest(key)}");
                }

                continue;
            }

            string? problem = ConfigValues.Check(entry.Kind, value)
                ?? (entry.Choices is { } choices && !choices.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase)
                    ? $"is not one of {string.Join(", ", choices)}"
                    : null);
            if (problem is not null)
            {
                throw new ConfigurationException($"{entry.Key}='{value}' (from {origin}) {problem}");
            }
        }

        RequirePositive(ConfigKeys.ConcurrentJobs);
        RequirePositive(ConfigKeys.TaskMaxFailures);
        if (Get(ConfigKeys.DefaultParallelism) is not null)
        {
            RequirePositive(ConfigKeys.DefaultParallelism);
        }

        TimeSpan block = GetDuration(ConfigKeys.BlockInterval);
        if (block <= TimeSpan.Zero)
        {
            throw new ConfigurationException($"{ConfigKeys.BlockInterval}='{Get(ConfigKeys.BlockInterval)}' must be greater than zero");
        }

        // Timers count whole milliseconds: a shorter interval would be a period of zero.
        if (block < TimeSpan.FromMilliseconds(1))
        {
            throw new ConfigurationException($"{ConfigKeys.BlockInterval}='{Get(ConfigKeys.BlockInterval)}' must be at least 1ms");
        }

        if (batchInterval is { } batch)
        {
            if (batch <= TimeSpan.Zero)
            {
                throw new ConfigurationException($"batch interval '{batch.TotalMilliseconds}ms' must be greater than zero");
            }

            if (batch < TimeSpan.FromMilliseconds(1))
            {
                throw new ConfigurationException($"batch interval '{batch.TotalMilliseconds}ms' must be at least 1ms");
            }

            // The default block interval shrinks to fit a short batch; only a block interval the user chose is an error.
            if (block > batch && Contains(ConfigKeys.BlockInterval))
            {
                throw new ConfigurationException(
                    $"{ConfigKeys.BlockInterval}='{Get(ConfigKeys.BlockInterval)}' is longer than the batch interval '{batch.TotalMilliseconds}ms'; a block must fit in a batch");
            }
        }
    }

    /// <summary>A copy of this configuration.</summary>
    public SluiceConf Clone()
    {
        var copy = new SluiceConf(loadDefaults: false);
        foreach (var kv in _values)
        {
            copy._values[kv.Key] = kv.Value;
        }

        return copy;
    }

    internal void LoadFile(string path)
    {
        int lineNo = 0;
        foreach (string raw in File.ReadLines(path))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int sep = line.IndexOfAny([' ', '\t', '=']);
            if (sep <= 0)
            {
                throw new ConfigurationException($"{path}:{lineNo}: expected 'key value' or 'key=value', got '{line}'");
            }

            string key = line[..sep].Trim();
            string value = line[(sep + 1)..].Trim().TrimStart('=').Trim();
            SetFrom(key, value, $"{path}:{lineNo}");
        }
    }

    internal void LoadEnvironment(IDictionary environment)
    {
        foreach (DictionaryEntry e in environment)
        {
            string name = (string)e.Key;
            if (!name.StartsWith("SLUICE_", StringComparison.Ordinal) || ReservedEnvironment.Contains(name))
            {
                continue;
            }

            string key = name.ToLowerInvariant().Replace('_', '.');
            string canonical = ConfigKeys.Find(key)?.Key ?? key;
            SetFrom(canonical, (string?)e.Value ?? "", $"environment variable {name}");
        }
    }

    private SluiceConf SetFrom(string key, string value, string origin)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(value);
        string canonical = ConfigKeys.Find(key)?.Key ?? key;
        _values[canonical] = (value, origin);
        return this;
    }

    private T Parse<T>(string key, string value, ConfigKind kind, Func<string, T> parse)
    {
        string? problem = ConfigValues.Check(kind, value);
        if (problem is not null)
        {
            string origin = _values.TryGetValue(key, out var v) ? v.Origin : "default";
            throw new ConfigurationException($"{key}='{value}' (from {origin}) {problem}");
        }

        return parse(value);
    }

    private void RequirePositive(string key)
    {
        if (GetInt(key) <= 0)
        {
            throw new ConfigurationException($"{key}='{Get(key)}' must be at least 1");
        }
    }

    private static string Suggest(string key) =>
        Util.Suggestions.Closest(key, ConfigKeys.All.Select(static e => e.Key), 4) is { } best ? $"; did you mean '{best}'?" : "";
}
