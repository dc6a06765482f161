using System.Text.Json;

namespace Sluice.Web.History;

/// <summary>Rebuilds an application's UI state from its event log, applying the events in the order they were written.</summary>
public static class EventLogReplay
{
    /// <summary>
    /// Replays the log in <paramref name="appDirectory"/>. A last line cut short is skipped when the application has not ended (it is
    /// being written); any other line that cannot be read is an error naming file and line.
    /// </summary>
    public static StreamingUiState Replay(string appDirectory, int retainedBatches)
    {
        var files = EventLogFiles.Files(appDirectory);
        if (files.Count == 0)
        {
            throw new InvalidDataException($"event log {appDirectory} has no events_*.jsonl file");
        }

        StreamingUiState? state = null;
        for (int f = 0; f < files.Count; f++)
        {
            string[] lines = ReadLines(files[f]);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Length == 0)
                {
                    continue;
                }

                EventLogEntry? entry;
                try
                {
                    entry = JsonSerializer.Deserialize<EventLogEntry>(lines[i], EventLogFiles.Json);
                }
                catch (JsonException) when (f == files.Count - 1 && i == lines.Length - 1 && state is { Completed: false })
                {
                    break;
                }
                catch (JsonException e)
                {
                    throw new InvalidDataException($"event log {files[f]} line {i + 1} is not an event: {e.Message}", e);
                }

                if (entry is null)
                {
                    throw new InvalidDataException($"event log {files[f]} line {i + 1} is empty");
                }

                state = Apply(state, entry, retainedBatches, files[f], i + 1);
            }
        }

        return state ?? throw new InvalidDataException($"event log {appDirectory} has no events");
    }

    private static StreamingUiState Apply(StreamingUiState? state, EventLogEntry e, int retainedBatches, string file, int line)
    {
        if (e.Event == EventLogEntry.ApplicationStart)
        {
            return new StreamingUiState(e.Application ?? throw Bad(file, line, "an application start without its application"), retainedBatches);
        }

        var s = state ?? throw Bad(file, line, $"{e.Event} before the application start");
        switch (e.Event)
        {
            case EventLogEntry.ReceiverStreamsKnown: s.SetReceiverStreams(e.ReceiverStreams ?? []); break;
            case EventLogEntry.StreamingStarted: s.OnStreamingStarted(e.Time ?? throw Bad(file, line, "no time")); break;
            case EventLogEntry.BatchSubmitted: s.OnBatchSubmitted(e.Batch ?? throw Bad(file, line, "no batch")); break;
            case EventLogEntry.BatchStarted: s.OnBatchStarted(e.Batch ?? throw Bad(file, line, "no batch")); break;
            case EventLogEntry.BatchCompleted: s.OnBatchCompleted(e.Batch ?? throw Bad(file, line, "no batch")); break;
            case EventLogEntry.OutputOperationStarted: s.OnOutputOperationStarted(e.Operation ?? throw Bad(file, line, "no operation")); break;
            case EventLogEntry.OutputOperationCompleted: s.OnOutputOperationCompleted(e.Operation ?? throw Bad(file, line, "no operation")); break;
            case EventLogEntry.ReceiverStarted: s.OnReceiverStarted(e.Receiver ?? throw Bad(file, line, "no receiver")); break;
            case EventLogEntry.ReceiverError: s.OnReceiverError(e.Receiver ?? throw Bad(file, line, "no receiver")); break;
            case EventLogEntry.ReceiverStopped: s.OnReceiverStopped(e.Receiver ?? throw Bad(file, line, "no receiver")); break;
            case EventLogEntry.CheckpointCompleted: s.OnCheckpointCompleted(e.Checkpoint ?? throw Bad(file, line, "no checkpoint")); break;
            case EventLogEntry.ExecutorMetricsUpdate: s.OnExecutorMetricsUpdate(e.Executor ?? throw Bad(file, line, "no executor metrics")); break;
            case EventLogEntry.JobStart: s.OnJobStart(e.Job ?? throw Bad(file, line, "no job")); break;
            case EventLogEntry.JobEnd: s.OnJobEnd(e.Job ?? throw Bad(file, line, "no job")); break;
            case EventLogEntry.StateUpdate: s.OnStateUpdate(e.State ?? throw Bad(file, line, "no state")); break;
            case EventLogEntry.ApplicationEnd: s.SetEnded(e.Time ?? throw Bad(file, line, "no time")); break;
            default: throw Bad(file, line, $"unknown event '{e.Event}'");
        }

        return s;
    }

    private static InvalidDataException Bad(string file, int line, string what) => new($"event log {file} line {line}: {what}");

    // The writer may be appending: share the file and read what is there.
    private static string[] ReadLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n');
    }
}
