using System.Reflection;
using System.Runtime.Loader;
using Sluice.Configuration;

namespace Sluice.Streaming;

/// <summary>
/// Loads the plugins <c>sluice.plugins</c> names (Spark's spark.plugins), so that a tool can attach an extension such as the web UI to an
/// application that does not reference it. An entry is <c>Type.Name, Assembly</c>; the assembly is a name or a .dll path, whose directory
/// is then searched for the assemblies it needs. An application that ships the same assembly itself uses its own copy.
/// </summary>
internal static class PluginLoader
{
    private static readonly List<string> ProbingDirectories = [];
    private static bool _resolving;

    public static List<IStreamingContextPlugin> Load(SluiceConf conf)
    {
        var plugins = new List<IStreamingContextPlugin>();
        string? value = conf.Get(ConfigKeys.Plugins);
        if (string.IsNullOrWhiteSpace(value))
        {
            return plugins;
        }

        foreach (string raw in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int comma = raw.IndexOf(',', StringComparison.Ordinal);
            if (comma <= 0 || comma == raw.Length - 1)
            {
                throw new ConfigurationException($"{ConfigKeys.Plugins}: '{raw}' is not 'Type.Name, Assembly' (the assembly a name or a .dll path; entries separated by ';')");
            }

            string typeName = raw[..comma].Trim();
            string assemblyRef = raw[(comma + 1)..].Trim();
            var assembly = LoadAssembly(assemblyRef);
            if (VersionMismatch(assembly, typeof(StreamingContext).Assembly.GetName()) is { } mismatch)
            {
                throw new ConfigurationException($"{ConfigKeys.Plugins}: {mismatch}");
            }

            var type = assembly.GetType(typeName, throwOnError: false)
                ?? throw new ConfigurationException($"{ConfigKeys.Plugins}: {assembly.GetName().Name} ({Where(assembly)}) has no type {typeName}");
            if (!typeof(IStreamingContextPlugin).IsAssignableFrom(type) || type.GetConstructor(Type.EmptyTypes) is null)
            {
                throw new ConfigurationException($"{ConfigKeys.Plugins}: {typeName} must implement {nameof(IStreamingContextPlugin)} and have a public constructor without parameters");
            }

            plugins.Add((IStreamingContextPlugin)Activator.CreateInstance(type)!);
        }

        return plugins;
    }

    /// <summary>
    /// Why <paramref name="plugin"/> cannot run beside the Sluice this process runs (<paramref name="running"/>): it was built against another
    /// version, whose types and members may differ. Null when they match.
    /// </summary>
    internal static string? VersionMismatch(Assembly plugin, AssemblyName running)
    {
        foreach (var reference in plugin.GetReferencedAssemblies())
        {
            if (string.Equals(reference.Name, running.Name, StringComparison.OrdinalIgnoreCase) && reference.Version != running.Version)
            {
                return $"{plugin.GetName().Name} ({Where(plugin)}) was built against {running.Name} {reference.Version}, but this application runs {running.Name} {running.Version}; " +
                    $"use the plugin (or the sluice tool that passes it) of version {running.Version}";
            }
        }

        return null;
    }

    private static Assembly LoadAssembly(string reference)
    {
        try
        {
            if (!reference.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                return AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName(reference));
            }

            string path = Path.GetFullPath(reference);
            if (!File.Exists(path))
            {
                throw new ConfigurationException($"{ConfigKeys.Plugins}: {path} does not exist");
            }

            AddProbingDirectory(Path.GetDirectoryName(path)!);

            // By name: the application's own copy when it has one, otherwise the resolver below finds this file.
            return AssemblyLoadContext.Default.LoadFromAssemblyName(AssemblyName.GetAssemblyName(path));
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new ConfigurationException($"{ConfigKeys.Plugins}: cannot load {reference}: {e.Message}", e);
        }
    }

    private static void AddProbingDirectory(string directory)
    {
        lock (ProbingDirectories)
        {
            if (!ProbingDirectories.Contains(directory))
            {
                ProbingDirectories.Add(directory);
            }

            if (!_resolving)
            {
                _resolving = true;
                AssemblyLoadContext.Default.Resolving += Resolve;
            }
        }
    }

    private static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
    {
        string[] directories;
        lock (ProbingDirectories)
        {
            directories = [.. ProbingDirectories];
        }

        foreach (string directory in directories)
        {
            string candidate = Path.Combine(directory, name.Name + ".dll");
            if (File.Exists(candidate))
            {
                return context.LoadFromAssemblyPath(candidate);
            }
        }

        return null;
    }

    private static string Where(Assembly assembly) => string.IsNullOrEmpty(assembly.Location) ? "in memory" : assembly.Location;
}
