namespace Sluice.Tests.Web;

/// <summary>A test that drives Debian's chromium; skipped, saying so, on a machine without it.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Chromium))
        {
            Skip = $"needs {Chromium} (apt-get install -y chromium; .ci/run installs it)";
        }
    }
}
