using System.Reflection;
using Sluice.Configuration;
using Sluice.Streaming;
using Sluice.Web;

namespace Sluice.Tests.Web;

/// <summary><c>sluice.plugins</c>: how <c>sluice submit</c> attaches the UI to an application, and the errors of a plugin that cannot run.</summary>
public sealed class PluginLoadingTests
{
    [Fact(Timeout = 60_000)]
    public async Task TheWebUiStartupPluginStartsOneUiThatTheApplicationsOwnCallReturns()
    {
        await Task.Yield();
        var conf = new SluiceConf(loadDefaults: false).SetMaster("local[2]").Set(ConfigKeys.UiPort, "0")
            .Set(ConfigKeys.Plugins, $"{typeof(WebUiStartup).FullName}, {typeof(WebUiStartup).Assembly.Location}");
        var ssc = new StreamingContext(conf, TimeSpan.FromSeconds(1));
        try
        {
            // The plugin started the UI while the context was created: the application's own call gets that one and starts none.
            var output = new StringWriter();
            var ui = ssc.UseWebUi(output)!;
            Assert.Equal("", output.ToString());
            Assert.Same(ui, ssc.UseWebUi(output));
            var apps = RestJson.Get($"{ui.Url}/api/v1/applications").AsArray();
            Assert.Equal(ui.State.Application.Id, (string?)Assert.Single(apps)!["id"]);
        }
        finally
        {
            ssc.Stop();
        }
    }

    [Fact]
    public void APluginBuiltAgainstAnotherSluiceVersionIsRefusedNamingBothVersions()
    {
        var web = typeof(WebUiStartup).Assembly;
        var running = typeof(StreamingContext).Assembly.GetName();
        Assert.Null(PluginLoader.VersionMismatch(web, running));
        string? message = PluginLoader.VersionMismatch(web, new AssemblyName("Sluice") { Version = new Version(9, 8, 7, 0) });
        Assert.NotNull(message);
        Assert.Contains($"built against Sluice {running.Version}", message);
        Assert.Contains("runs Sluice 9.8.7.0", message);
        Assert.Contains(web.Location, message);
    }

    [Theory]
    [InlineData("no-comma-here", "is not 'Type.Name, Assembly'")]
    [InlineData("Sluice.Web.WebUiStartup, /no/such/dir/Sluice.Web.dll", "/no/such/dir/Sluice.Web.dll does not exist")]
    [InlineData("Sluice.Web.NoSuchType, Sluice.Web", "has no type Sluice.Web.NoSuchType")]
    [InlineData("Sluice.Web.WebUi, Sluice.Web", "must implement IStreamingContextPlugin")]
    [InlineData("X.Y, No.Such.Assembly", "cannot load No.Such.Assembly")]
    public void AWrongPluginEntryStopsTheContextsCreationSayingWhatIsWrong(string entry, string expected)
    {
        var conf = new SluiceConf(loadDefaults: false).SetMaster("local[1]").Set(ConfigKeys.Plugins, entry);
        var e = Assert.Throws<ConfigurationException>(() => new StreamingContext(conf, TimeSpan.FromSeconds(1)));
        Assert.Contains("sluice.plugins", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
