using System.Text;
using Sluice.Configuration;
using Sluice.Recovery;
using Sluice.Util;

// Child processes for crash tests: the test kills them with SIGKILL at a moment of its choosing.
switch (args.FirstOrDefault())
{
    case "wal-writer":
    {
        // wal-writer <directory> <policy>: writes records until killed, printing each one only after Write returned (acknowledged).
        string directory = args[1];
        var policy = WriteAheadLog.ParsePolicy(args[2]);
        using var wal = new WriteAheadLog(directory, SystemClock.Instance, TimeSpan.FromMilliseconds(200), policy);
        var stdout = Console.Out;
        for (long i = 0; ; i++)
        {
            wal.Write(Encoding.UTF8.GetBytes($"record-{i}-{new string('r', (int)(i % 500))}"));
            stdout.WriteLine($"acked {i}");
            stdout.Flush();
        }
    }

    case "burst":
        return BurstApp.Run(args[1..]);

    case "echo":
    {
        // echo [args...]: what sluice submit passed on, one argument per line, then the configuration it set.
        foreach (string arg in args[1..])
        {
            Console.WriteLine($"arg {arg}");
        }

        foreach (var (key, value) in new SluiceConf().GetAll().OrderBy(static kv => kv.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"conf {key}={value}");
        }

        return 0;
    }

    case "file-wordcount":
        return FileWordCountApp.Run(args[1], args[2], args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 0);

    case "socket-wordcount":
        return SocketWordCountApp.Run(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));

    case "partitions":
    {
        // partitions <n> <key...>: the HashPartitioner partition of each string key and of (key, i) tuples, one per line.
        var partitioner = new Sluice.Datasets.HashPartitioner(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        for (int i = 2; i < args.Length; i++)
        {
            Console.WriteLine($"{partitioner.GetPartition(args[i])} {partitioner.GetPartition((args[i], i))}");
        }

        return 0;
    }

    default:
        Console.Error.WriteLine("usage: Sluice.TestApps wal-writer <directory> <always|batch|never> | burst <socket|raw|rate|paced|queue|file> <seconds> <storage memory> [key=value ...] | echo [args...] | file-wordcount <input> <output> [slow-ms] | socket-wordcount <host> <port> | partitions <n> <key...>");
        return 2;
}
