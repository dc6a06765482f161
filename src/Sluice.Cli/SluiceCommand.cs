using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using Sluice.Configuration;
using Sluice.Examples;
using Sluice.Web;
using Sluice.Web.History;

namespace Sluice.Cli;

/// <summary>The <c>sluice</c> command: run-example, submit, examples, --version, --help.</summary>
public static class SluiceCommand
{
    private static readonly string[] ValueOptions = ["--master", "--batch-interval", "--conf"];

    /// <summary>Parses and runs a command line; errors are one line on <paramref name="error"/> and a non-zero exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken stop = default, TextReader? input = null)
    {
        var master = new Option<string?>("--master") { Description = "where tasks run: local, local[N] or local[*]" };
        var batchInterval = new Option<string?>("--batch-interval") { Description = "batch interval, such as 500ms, 1s, 2s" };
        var conf = new Option<string[]>("--conf") { Description = "a configuration key=value (repeatable)", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = false };

        var exampleName = new Argument<string>("name") { Description = "example to run (see 'sluice examples')" };
        var exampleArgs = new Argument<string[]>("args") { Description = "the example's arguments", Arity = ArgumentArity.ZeroOrMore };
        var runExample = new Command("run-example", "run one of the bundled examples:\n" + ExampleList()) { exampleName, exampleArgs, master, batchInterval, conf };
        runExample.TreatUnmatchedTokensAsErrors = false;
        runExample.SetAction(parse =>
        {
            string name = parse.GetValue(exampleName)!;
            var example = ExampleCatalog.Find(name)
                ?? throw new UsageException($"unknown example '{name}'; available: {string.Join(", ", ExampleCatalog.All.Select(e => e.Name))}");
            string[] passThrough = ExampleArguments(args, name);
            if (passThrough.Length < example.MinArgs)
            {
                throw new UsageException($"usage: sluice run-example {example.Usage}");
            }

            var sluiceConf = BuildConf(parse.GetValue(master), parse.GetValue(conf), error);
            sluiceConf.SetIfMissing(ConfigKeys.StopGracefullyOnShutdown, "true");
            TimeSpan? interval = parse.GetValue(batchInterval) is { } text ? ConfigValues.ParseDuration(text, "--batch-interval") : null;
            if (interval is { } i && i <= TimeSpan.Zero)
            {
                throw new UsageException($"--batch-interval '{parse.GetValue(batchInterval)}' must be greater than zero");
            }

            return example.Run(passThrough, new ExampleEnvironment
            {
                Conf = sluiceConf, BatchInterval = interval, Output = output, Stop = stop, OnStarting = ssc =>
                {
                    ssc.UseWebUi(error);
                    ssc.UseEventLog();
                },
            });
        });

        var app = new Argument<string>("app") { Description = "the application: a .dll, or a project directory" };
        var appArgs = new Argument<string[]>("args") { Description = "the application's arguments", Arity = ArgumentArity.ZeroOrMore };
        var submit = new Command(
            "submit",
            "run your own application that references Sluice, with this master and configuration; SIGINT and SIGTERM reach it and sluice waits for its stop; arguments after -- reach it untouched")
        {
            app, appArgs, master, batchInterval, conf,
        };
        submit.TreatUnmatchedTokensAsErrors = false;
        submit.SetAction(parse =>
        {
            var sluiceConf = BuildConf(parse.GetValue(master), parse.GetValue(conf), error);
            if (parse.GetValue(batchInterval) is { } text)
            {
                // The application reads it when it creates its context with new StreamingContext(conf).
                sluiceConf.SetAll([$"{ConfigKeys.BatchInterval}={text}"], "--batch-interval");
                if (ConfigValues.ParseDuration(text, "--batch-interval") <= TimeSpan.Zero)
                {
                    throw new UsageException($"--batch-interval '{text}' must be greater than zero");
                }
            }

            sluiceConf.Validate();
            string target = parse.GetValue(app)!;
            return Submit(target, ExampleArguments(args, target), sluiceConf, error, stop);
        });

        var logDir = new Option<string>("--dir") { Description = "the event log directory (sluice.eventLog.dir)", Required = true };
        var historyPort = new Option<int>("--port") { Description = "port of the history server", DefaultValueFactory = _ => 18080 };
        var history = new Command("history-server", "serve the UI's REST API for the applications logged in an event log directory") { logDir, historyPort, conf };
        history.SetAction(parse =>
        {
            var sluiceConf = BuildConf(null, parse.GetValue(conf), error);
            using var server = HistoryServer.Start(
                parse.GetValue(logDir)!, sluiceConf.Get(ConfigKeys.UiHost, "127.0.0.1"), parse.GetValue(historyPort), sluiceConf.GetInt(ConfigKeys.UiRetainedBatches, 1000));
            output.WriteLine($"Sluice history server at {server.Url}");
            output.Flush();
            WaitForStop(stop);
            return 0;
        });

        var feedPort = new Option<int>("--port") { Description = "port to serve on (0: any free port, printed)", DefaultValueFactory = _ => 9999 };
        var feedHost = new Option<string>("--host") { Description = "address to bind", DefaultValueFactory = _ => "127.0.0.1" };
        var feedFile = new Option<string?>("--file") { Description = "serve this file to every client (default: standard input to all clients)" };
        var feedRate = new Option<double>("--rate") { Description = "lines per second per client from --file (0: as fast as possible)" };
        var feedRepeat = new Option<bool>("--repeat") { Description = "start --file again at its end" };
        var feed = new Command("feed", "a line server for the socket examples (instead of nc -lk)") { feedPort, feedHost, feedFile, feedRate, feedRepeat };
        feed.SetAction(parse =>
        {
            if (!System.Net.IPAddress.TryParse(parse.GetValue(feedHost), out var address))
            {
                throw new UsageException($"--host '{parse.GetValue(feedHost)}' is not an IP address");
            }

            using var signals = StopSignals(stop);
            return new LineFeed(address, parse.GetValue(feedPort), parse.GetValue(feedFile), parse.GetValue(feedRate), parse.GetValue(feedRepeat), input ?? Console.In, output)
                .Run(signals.Token);
        });

        var brokers = new Option<int>("--brokers") { Description = "number of brokers", DefaultValueFactory = _ => 3 };
        var topics = new Option<string[]>("--topic") { Description = "a topic to create, as name:partitions (repeatable)", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = false };
        var kafkaMock = new Command("kafka-mock", "start librdkafka's mock Kafka cluster on loopback ports, print bootstrap.servers=<list>, and run until Ctrl+C") { brokers, topics };
        kafkaMock.SetAction(parse =>
        {
            var created = (parse.GetValue(topics) ?? []).Select(ParseTopic).ToList();
            int count = parse.GetValue(brokers);
            if (count < 1)
            {
                throw new UsageException($"--brokers {count}: a cluster needs at least one broker");
            }

            using var cluster = new Kafka.KafkaMockCluster(count);
            foreach (var (name, partitions) in created)
            {
                cluster.CreateTopic(name, partitions);
            }

            output.WriteLine($"bootstrap.servers={cluster.BootstrapServers}");
            foreach (var (name, partitions) in created)
            {
                output.WriteLine($"topic {name}: {partitions} partition(s)");
            }

            output.WriteLine("(other topics are created with 4 partitions on first use; Ctrl+C stops the cluster, and its records are gone)");
            output.Flush();
            WaitForStop(stop);
            return 0;
        });

        var checkpointDir = new Argument<string>("dir") { Description = "the checkpoint directory" };
        var inspect = new Command("inspect", "what a checkpoint directory holds: the checkpoint a restart uses, batches, operators with their state and positions, configuration") { checkpointDir };
        inspect.SetAction(parse => CheckpointInspect.Run(parse.GetValue(checkpointDir)!, output));
        var checkpointCommand = new Command("checkpoint", "look into a checkpoint directory") { inspect };

        var list = new Command("examples", "list the bundled examples");
        list.SetAction(_ =>
        {
            output.Write(ExampleList());
            return 0;
        });

        // System.CommandLine would print the entry assembly's version, which is the host's under a test runner.
        if (args is ["--version"])
        {
            output.WriteLine(Version);
            return 0;
        }

        var root = new RootCommand("Sluice: micro-batch stream processing for .NET, in the model of Spark Streaming") { runExample, submit, feed, history, kafkaMock, checkpointCommand, ClusterCommands.Worker(output, stop), ClusterCommands.Cluster(output, error, stop), list };
        try
        {
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                error.WriteLine($"sluice: {UnknownCommand(root, args) ?? parse.Errors[0].Message} (see 'sluice --help')");
                return 2;
            }

            if (args.Any(static a => a is "-h" or "-?" or "--help"))
            {
                // System.CommandLine's usage line ends "[[--] <additional arguments>...]]" with one bracket too many.
                var help = new StringWriter();
                int code = parse.Invoke(new InvocationConfiguration { Output = help, Error = error, EnableDefaultExceptionHandler = false });
                output.Write(help.ToString().Replace("<additional arguments>...]]", "<additional arguments>...]", StringComparison.Ordinal));
                return code;
            }

            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is UsageException or ConfigurationException or ArgumentException or DirectoryNotFoundException or FileNotFoundException or InvalidOperationException or Streaming.StreamingQueryException or Recovery.CheckpointException or IOException or InvalidDataException)
        {
            error.WriteLine($"sluice: {FirstLine(e.Message)}");
            return e is UsageException ? 2 : 1;
        }
        catch (Exception e)
        {
            // Anything else is a bug of Sluice's or the application's, still one line and a non-zero exit rather than
            // the runtime's unhandled-exception dump; the stack trace is at debug level.
            error.WriteLine($"sluice: unexpected {e.GetType().Name}: {FirstLine(e.Message)}");
            if (Monitoring.Log.Level <= Monitoring.LogLevel.Debug)
            {
                error.WriteLine(e.ToString());
            }

            return 1;
        }
    }

    /// <summary>The version printed by --version.</summary>
    public static string Version =>
        typeof(SluiceCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static SluiceConf BuildConf(string? master, string[]? pairs, TextWriter error)
    {
        var conf = new SluiceConf();
        conf.SetAll(pairs ?? [], "--conf");
        WarnAboutSparkKeys(pairs ?? [], error);
        if (master is not null)
        {
            conf.SetAll([$"{ConfigKeys.Master}={master}"], "--master");
            if (master.StartsWith(Cluster.ClusterMaster.Scheme, StringComparison.Ordinal))
            {
                ClusterCommands.AttachClusterPlugin(master, conf);
            }
        }

        conf.Validate();
        return conf;
    }

    // A spark.* key is not an error (a program may read its own keys) but Sluice itself never reads one: say which key it does read.
    private static void WarnAboutSparkKeys(string[] pairs, TextWriter error)
    {
        foreach (string pair in pairs)
        {
            if (!pair.StartsWith("spark.", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            string key = pair.Split('=', 2)[0].Trim();
            string hint = ConfigKeys.Find("sluice." + key["spark.".Length..]) is { } entry
                ? $"Sluice's key is {entry.Key}"
                : Util.Suggestions.Closest("sluice." + key["spark.".Length..], ConfigKeys.All.Select(static e => e.Key), 3) is { } near
                    ? $"the closest Sluice key is {near}"
                    : "Sluice has no such key";
            error.WriteLine($"sluice: warning: --conf {key} is a Spark key that Sluice does not read; {hint}");
        }
    }

    private static string ExampleList()
    {
        var text = new StringWriter();
        foreach (var e in ExampleCatalog.All)
        {
            text.WriteLine($"  {e.Usage,-52} {e.Description}");
        }

        return text.ToString();
    }

    private static string? UnknownCommand(RootCommand root, string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-') || root.Subcommands.Any(c => c.Name == args[0]))
        {
            return null;
        }

        return Util.Suggestions.Closest(args[0], root.Subcommands.Select(static c => c.Name), 3) is { } near
            ? $"'{args[0]}' is not a command; did you mean '{near}'?"
            : $"'{args[0]}' is not a command";
    }

    /// <summary>The tokens after <paramref name="anchor"/> that are not the CLI's own options: they belong to the example or application.</summary>
    private static string[] ExampleArguments(string[] args, string anchor)
    {
        int start = Array.IndexOf(args, anchor);
        var result = new List<string>();
        for (int i = start + 1; i < args.Length; i++)
        {
            string token = args[i];
            if (token == "--")
            {
                // Everything after -- belongs to the program, even tokens that look like the CLI's own options.
                result.AddRange(args[(i + 1)..]);
                break;
            }

            if (ValueOptions.Contains(token))
            {
                i++;
                continue;
            }

            if (ValueOptions.Any(o => token.StartsWith(o + "=", StringComparison.Ordinal)))
            {
                continue;
            }

            result.Add(token);
        }

        return [.. result];
    }

    private static int Submit(string target, string[] appArgs, SluiceConf conf, TextWriter error, CancellationToken stop)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        WebAttachment? web = null;
        string? clusterRuntimeConfig = null;
        if (target.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            if (!File.Exists(target))
            {
                throw new FileNotFoundException($"application {target} does not exist");
            }

            web = WebAttachment.Prepare(target, conf, error);

            // Cluster mode's Orleans client needs ASP.NET Core's shared framework (its hosting) even without the web UI.
            if (web?.RuntimeConfig is null && conf.Get(ConfigKeys.Master, "local[*]").StartsWith(Cluster.ClusterMaster.Scheme, StringComparison.Ordinal))
            {
                clusterRuntimeConfig = Cluster.RuntimeConfigs.WithAspNetCore(Path.ChangeExtension(Path.GetFullPath(target), ".runtimeconfig.json"));
            }

            if ((web?.RuntimeConfig ?? clusterRuntimeConfig) is { } runtimeConfig)
            {
                start.ArgumentList.Add("exec");
                start.ArgumentList.Add("--runtimeconfig");
                start.ArgumentList.Add(runtimeConfig);
            }

            start.ArgumentList.Add(target);
        }
        else if (Directory.Exists(target))
        {
            start.ArgumentList.Add("run");
            start.ArgumentList.Add("--project");
            start.ArgumentList.Add(target);
            start.ArgumentList.Add("--");
        }
        else
        {
            throw new UsageException($"'{target}' is neither a .dll nor a project directory");
        }

        foreach (var a in appArgs)
        {
            start.ArgumentList.Add(a);
        }

        // The application's SluiceConf reads SLUICE_* variables, so master and --conf reach it unchanged.
        foreach (var (key, value) in conf.GetAll())
        {
            start.Environment["SLUICE_" + key["sluice.".Length..].Replace('.', '_').ToUpperInvariant()] = value;
        }

        using var attached = web;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        using var forwarding = SignalForwarding.To(process, error);
        using var cancel = stop.Register(() => forwarding.Forward(SignalForwarding.Sigterm));
        process.WaitForExit();
        if (clusterRuntimeConfig is not null)
        {
            File.Delete(clusterRuntimeConfig);
        }

        return process.ExitCode;
    }

    // A token cancelled by Ctrl+C, SIGTERM or the caller's token.
    internal static SignalToken StopSignals(CancellationToken stop) => new(stop);

    /// <summary>Cancelled by SIGINT, SIGTERM or the caller's token.</summary>
    internal sealed class SignalToken : IDisposable
    {
        private readonly CancellationTokenSource _source;
        private readonly List<System.Runtime.InteropServices.PosixSignalRegistration> _signals = [];

        public SignalToken(CancellationToken stop)
        {
            _source = CancellationTokenSource.CreateLinkedTokenSource(stop);
            foreach (var signal in new[] { System.Runtime.InteropServices.PosixSignal.SIGINT, System.Runtime.InteropServices.PosixSignal.SIGTERM })
            {
                _signals.Add(System.Runtime.InteropServices.PosixSignalRegistration.Create(signal, ctx =>
                {
                    ctx.Cancel = true;
                    _source.Cancel();
                }));
            }
        }

        public CancellationToken Token => _source.Token;

        public void Cancel() => _source.Cancel();

        public void Dispose()
        {
            foreach (var s in _signals)
            {
                s.Dispose();
            }

            _source.Dispose();
        }
    }

    // Runs until Ctrl+C, SIGTERM or the caller's token.
    private static void WaitForStop(CancellationToken stop)
    {
        using var signals = StopSignals(stop);
        signals.Token.WaitHandle.WaitOne();
    }

    private static (string Name, int Partitions) ParseTopic(string text)
    {
        int colon = text.LastIndexOf(':');
        string name = colon < 0 ? text : text[..colon];
        if (name.Length == 0)
        {
            throw new UsageException($"--topic '{text}': expected name:partitions, such as logs:3");
        }

        if (colon < 0)
        {
            return (name, 1);
        }

        return int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int partitions) && partitions > 0
            ? (name, partitions)
            : throw new UsageException($"--topic '{text}': the partitions after ':' must be a number above 0");
    }

    private static string FirstLine(string message)
    {
        int nl = message.IndexOf('\n');
        return nl < 0 ? message : message[..nl];
    }
}

/// <summary>A mistake on the command line.</summary>
public sealed class UsageException(string message) : Exception(message);
