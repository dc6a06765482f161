using System.Text.RegularExpressions;

namespace Sluice.Tests;

/// <summary>A writer that a command writes to on its own threads while the test reads what it has written so far.</summary>
internal sealed class SharedOutput
{
    private readonly StringWriter _text = new();

    public SharedOutput() => Writer = TextWriter.Synchronized(_text);

    public TextWriter Writer { get; }

    public string Text
    {
        get
        {
            lock (Writer)
            {
                return _text.ToString();
            }
        }
    }

    public override string ToString() => Text;

    /// <summary>The first match of <paramref name="pattern"/>, waiting up to 60 s; fails at once when <paramref name="running"/> ends first.</summary>
    public string WaitFor(Regex pattern, Task running)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var m = pattern.Match(Text);
            if (m.Success)
            {
                return m.Value;
            }

            Assert.False(running.IsCompleted, $"the command ended early: {Text}");
            Thread.Sleep(50);
        }

        throw new TimeoutException($"no match for /{pattern}/ in: {Text}");
    }
}
