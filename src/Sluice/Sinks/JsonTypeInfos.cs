using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Sluice.Streaming;

namespace Sluice.Sinks;

/// <summary>The reflection-based type information of the JSON-lines overloads that take a naming or options instead of a source-generated <see cref="JsonTypeInfo{T}"/>.</summary>
internal static class JsonTypeInfos
{
    internal const string ReflectionMessage =
        "Reads the record type by reflection; pass a source-generated JsonTypeInfo<T> (a JsonSerializerContext's property) for trimmed and native AOT applications.";

    [RequiresUnreferencedCode(ReflectionMessage)]
    [RequiresDynamicCode(ReflectionMessage)]
    public static JsonTypeInfo<T> For<T>(JsonNaming naming) => For<T>(new JsonSerializerOptions
    {
        PropertyNamingPolicy = naming == JsonNaming.CamelCase ? JsonNamingPolicy.CamelCase : null,
    });

    [RequiresUnreferencedCode(ReflectionMessage)]
    [RequiresDynamicCode(ReflectionMessage)]
    public static JsonTypeInfo<T> For<T>(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // A copy: the caller's options stay unfrozen, and a resolver is added only where none was given.
        var copy = new JsonSerializerOptions(options) { TypeInfoResolver = options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver() };
        copy.MakeReadOnly();
        return (JsonTypeInfo<T>)copy.GetTypeInfo(typeof(T));
    }
}
