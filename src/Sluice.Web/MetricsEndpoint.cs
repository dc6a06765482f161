using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Sluice.Web;

/// <summary>Serves a live application's <c>/metrics</c> in Prometheus' text format.</summary>
public static class MetricsEndpoint
{
    /// <summary>The content type of Prometheus' text format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Maps <c>/metrics</c> onto <paramref name="routes"/>.</summary>
    public static void Map(IEndpointRouteBuilder routes, StreamingMetrics metrics) =>
        routes.MapGet("/metrics", async (HttpContext http) =>
        {
            http.Response.ContentType = ContentType;
            await metrics.WriteAsync(http.Response.Body, http.RequestAborted);
        });
}
