using Microsoft.Extensions.DependencyInjection;
using Sluice.Streaming;

namespace Sluice.Hosting;

/// <summary>Registers a streaming context with the .NET Generic Host.</summary>
public static class SluiceServiceCollectionExtensions
{
    /// <summary>
    /// Adds the streaming context <paramref name="createContext"/> builds (its graph defined, not started) as a singleton, and a
    /// hosted service that starts it with the host and stops it, gracefully by default, when the host stops.
    /// </summary>
    public static IServiceCollection AddSluiceStreaming(
        this IServiceCollection services, Func<IServiceProvider, StreamingContext> createContext, Action<SluiceStreamingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(createContext);
        var options = new SluiceStreamingOptions();
        configure?.Invoke(options);
        services.AddSingleton(options);
        services.AddSingleton(createContext);
        services.AddHostedService<StreamingContextService>();
        return services;
    }
}
