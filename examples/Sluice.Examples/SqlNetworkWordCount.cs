using System.Globalization;
using System.Text;
using Sluice.Sql;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>
/// Spark's SqlNetworkWordCount: words of text from a TCP server counted every second with SQL on each batch, as Spark does it
/// inside foreachRDD with a lazily created singleton session: the batch's words become the table <c>words</c>, and
/// <c>SELECT word, count(*) AS total FROM words GROUP BY word</c> runs on the embedded DuckDB.
/// </summary>
public static class SqlNetworkWordCount
{
    /// <summary>One word of the batch: the table's one column.</summary>
    public sealed record Record(string Word);

    /// <summary>One row of the query's result.</summary>
    public sealed record WordTotal(string Word, long Total);

    /// <summary>Runs the example: <c>SqlNetworkWordCount &lt;hostname&gt; &lt;port&gt;</c>.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string host = args[0];
        int port = ExampleArgs.Port(args[1]);
        using var ssc = env.CreateContext("SqlNetworkWordCount", TimeSpan.FromSeconds(1));
        var lines = ssc.SocketTextStream(host, port);
        var words = lines.FlatMap(line => line.Split(' '));
        words.ForeachRDD((rdd, time) =>
        {
            var session = SqlSession.GetInstance(rdd.Context.Conf);
            session.CreateOrReplaceTempView("words", rdd.Map(w => new Record(w)));
            var totals = session.Sql<WordTotal>("SELECT word, count(*) AS total FROM words GROUP BY word ORDER BY total DESC, word");
            env.Output.Write(Show(time, totals));
        });
        return env.RunUntilStopped(ssc);
    }

    /// <summary>The batch's result as Spark's DataFrame.show() prints it (its first 20 rows), under the batch time.</summary>
    internal static string Show(Time time, IReadOnlyList<WordTotal> rows)
    {
        int shown = Math.Min(rows.Count, 20);
        int wordWidth = "word".Length, totalWidth = "total".Length;
        for (int i = 0; i < shown; i++)
        {
            wordWidth = Math.Max(wordWidth, rows[i].Word.Length);
            totalWidth = Math.Max(totalWidth, rows[i].Total.ToString(CultureInfo.InvariantCulture).Length);
        }

        string rule = $"+{new string('-', wordWidth)}+{new string('-', totalWidth)}+";
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"========= {time.Milliseconds} ms =========\n");
        text.Append(rule).Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"|{"word".PadLeft(wordWidth)}|{"total".PadLeft(totalWidth)}|\n");
        text.Append(rule).Append('\n');
        for (int i = 0; i < shown; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"|{rows[i].Word.PadLeft(wordWidth)}|{rows[i].Total.ToString(CultureInfo.InvariantCulture).PadLeft(totalWidth)}|\n");
        }

        text.Append(rule).Append('\n');
        if (rows.Count > shown)
        {
            text.Append(CultureInfo.InvariantCulture, $"only showing top {shown} rows\n");
        }

        return text.Append('\n').ToString();
    }
}
