using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;

namespace Sluice.Bench;

/// <summary>
/// The one ActorSystem and materializer every Akka.Streams contender runs on. Creating an ActorSystem costs far more
/// than a batch (dispatchers, scheduler, logging), so it is made once per run, as an application would, and disposed
/// when the run ends.
/// </summary>
internal static class AkkaStreamsHost
{
    private static ActorSystem? _system;
    private static ActorMaterializer? _materializer;

    public static ActorMaterializer Materializer
    {
        get
        {
            if (_materializer is null)
            {
                // Quiet logging: Akka's default INFO lines would interleave with the result table.
                var config = ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
                _system = ActorSystem.Create("sluice-bench", config);
                _materializer = _system.Materializer();
            }

            return _materializer;
        }
    }

    public static void Shutdown()
    {
        _materializer?.Dispose();
        _system?.Terminate().Wait(TimeSpan.FromSeconds(10));
        _system?.Dispose();
        _materializer = null;
        _system = null;
    }
}
