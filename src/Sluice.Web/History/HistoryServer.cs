namespace Sluice.Web.History;

/// <summary>
/// Serves the REST API of every application logged under a directory, running or finished: each log is replayed when it is first
/// asked for and again whenever its files have grown.
/// </summary>
public sealed class HistoryServer : IDisposable
{
    private readonly object _gate = new();
    private readonly string _root;
    private readonly int _retainedBatches;
    private readonly Dictionary<string, (long Signature, StreamingUiState State)> _replayed = [];
    private readonly WebUi _server;

    private HistoryServer(string root, int retainedBatches, string host, int port)
    {
        _root = root;
        _retainedBatches = retainedBatches;
        _server = WebUi.Start(host, port, app =>
        {
            StreamingApi.Map(app, Applications);
            UiPages.Map(app);
        });
    }

    /// <summary>The server's address.</summary>
    public string Url => _server.Url;

    /// <summary>Starts a history server for the logs under <paramref name="root"/> on <paramref name="host"/>:<paramref name="port"/>.</summary>
    public static HistoryServer Start(string root, string host = "127.0.0.1", int port = 18080, int retainedBatches = 1000)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"event log directory {root} does not exist");
        }

        return new HistoryServer(root, retainedBatches, host, port);
    }

    /// <summary>The applications logged now, in the order of their start.</summary>
    public IReadOnlyList<StreamingUiState> Applications()
    {
        lock (_gate)
        {
            var result = new List<StreamingUiState>();
            foreach (string dir in Directory.GetDirectories(_root, EventLogFiles.DirectoryPrefix + "*"))
            {
                var files = EventLogFiles.Files(dir);
                long signature = files.Sum(static f => new FileInfo(f).Length) * 31 + files.Count;
                if (!_replayed.TryGetValue(dir, out var known) || known.Signature != signature)
                {
                    known = (signature, EventLogReplay.Replay(dir, _retainedBatches));
                    _replayed[dir] = known;
                }

                result.Add(known.State);
            }

            return [.. result.OrderBy(static s => s.Application.Id, StringComparer.Ordinal)];
        }
    }

    /// <summary>Stops the server.</summary>
    public void Dispose() => _server.Dispose();
}
