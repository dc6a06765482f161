using System.Text;
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

    default:
        Console.Error.WriteLine("usage: Sluice.TestApps wal-writer <directory> <always|batch|never> | burst <socket|raw|rate|paced|queue|file> <seconds> <storage memory> [key=value ...]");
        return 2;
}
