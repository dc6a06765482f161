using System.Globalization;
using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>
/// Page views from lines <c>user,page,seconds</c> in files dropped into a directory: views per page over the last three
/// batches (a window) and each user's total time so far (MapWithState), both printed every batch. A line whose seconds
/// are not a number stops the program with a message naming the operator and the line; with <c>--dead-letters</c> such
/// lines are set aside, counted and printed instead. Restarted with the same checkpoint directory it continues where it stopped.
/// </summary>
public static class PageViewStats
{
    /// <summary>Runs the example: <c>PageViewStats &lt;input-directory&gt; &lt;checkpoint-directory&gt; [--dead-letters]</c>.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string input = args[0];
        string checkpoint = args[1];
        bool deadLetters = args.Skip(2).Contains("--dead-letters");
        Directory.CreateDirectory(input);
        using var ssc = StreamingContext.GetOrCreate(checkpoint, () =>
        {
            var context = env.CreateContext("PageViewStats", TimeSpan.FromSeconds(1));
            context.Checkpoint(checkpoint);
            var views = context.TextFileStream(input, newFilesOnly: false).Filter(line => line.Length > 0).Map(Parse);
            if (deadLetters)
            {
                views.OnError(ErrorPolicy.DeadLetter);
                views.DeadLetters().Map(d => $"dead letter: '{d.Record}' ({d.Error}) at {d.Operator}").Print();
            }

            var batch = context.BatchDuration;
            views.Map(v => (v.Page, 1L)).ReduceByKeyAndWindow((a, b) => a + b, batch * 3, batch).Print();
            views.Map(v => (v.User, v.Seconds))
                .MapWithState(StateSpec.Function<string, long, long, (string, long)>((user, seconds, state) =>
                {
                    long total = state.GetOption().GetValueOrDefault(0) + seconds.GetValueOrDefault(0);
                    state.Update(total);
                    return (user, total);
                }))
                .Print();
            return context;
        });
        return env.RunUntilStopped(ssc);
    }

    /// <summary>Parses <c>user,page,seconds</c>; throws on a line that is not.</summary>
    public static (string User, string Page, long Seconds) Parse(string line)
    {
        var parts = line.Split(',');
        if (parts.Length != 3)
        {
            throw new FormatException("expected user,page,seconds");
        }

        return (parts[0], parts[1], long.Parse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture));
    }
}
