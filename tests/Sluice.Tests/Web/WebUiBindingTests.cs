using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Sluice.Configuration;
using Sluice.Web;

namespace Sluice.Tests.Web;

public class WebUiBindingTests
{
    [Fact(Timeout = 60_000)]
    public async Task APortInUseMovesTheUiToTheNextFreePort()
    {
        await Task.Yield();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, port.ToString()));
        var ui = h.Context.UseWebUi(TextWriter.Null)!;
        Assert.InRange(ui.Server.Port, port + 1, port + WebUi.MaxPortRetries);
        Assert.Equal($"http://127.0.0.1:{ui.Server.Port}", ui.Url);
        Assert.Single(RestJson.Get($"{ui.Url}/api/v1/applications").AsArray());
    }

    [Fact(Timeout = 60_000)]
    public async Task TheUiListensOnLoopbackOnlyAndStopsWithTheContext()
    {
        await Task.Yield();
        var output = new StringWriter();
        var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, "0"));
        h.Context.QueueStream(new Queue<Sluice.Datasets.Rdd<int>>()).ForeachRDD(_ => { });
        var ui = h.Context.UseWebUi(output)!;
        Assert.Equal($"Sluice UI at {ui.Url}{Environment.NewLine}", output.ToString());
        Assert.Equal(IPAddress.Loopback.ToString(), ui.Server.Host);
        foreach (var address in NetworkInterface.GetAllNetworkInterfaces()
                     .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                     .Select(a => a.Address)
                     .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a)))
        {
            using var client = new TcpClient();
            var e = Assert.ThrowsAny<SocketException>(() => client.Connect(address, ui.Server.Port));
            Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
        }

        h.Start();
        Assert.Equal(200, RestJson.Status($"{ui.Url}/api/v1/applications"));
        h.Dispose();
        using var after = new TcpClient();
        Assert.ThrowsAny<SocketException>(() => after.Connect(IPAddress.Loopback, ui.Server.Port));
    }

    [Fact]
    public void TheUiIsOffWhenDisabledAndItsKeysHaveSparksDefaults()
    {
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiEnabled, "false"));
        Assert.Null(h.Context.UseWebUi(TextWriter.Null));
        var conf = new SluiceConf(loadDefaults: false);
        Assert.True(conf.GetBool(ConfigKeys.UiEnabled));
        Assert.Equal(4040, conf.GetInt(ConfigKeys.UiPort));
        Assert.Equal("127.0.0.1", conf.Get(ConfigKeys.UiHost));
        Assert.Equal(1000, conf.GetInt(ConfigKeys.UiRetainedBatches));
    }
}
