using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Sluice.Web;

/// <summary>The UI's pages: one HTML page and its script and style, built into the assembly, that draw everything from the REST API.</summary>
public static class UiPages
{
    private static readonly Assembly Assembly = typeof(UiPages).Assembly;

    /// <summary>Maps <c>/</c> and <c>/static/*</c> onto <paramref name="routes"/>.</summary>
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", () => Resource("index.html"));
        routes.MapGet("/static/{name}", (string name) => Resource(name));
    }

    private static IResult Resource(string name)
    {
        string? type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => null,
        };
        var stream = type is null ? null : Assembly.GetManifestResourceStream("wwwroot/" + name);
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }
}
