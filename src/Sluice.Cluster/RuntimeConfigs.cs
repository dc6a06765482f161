using System.Text.Json.Nodes;

namespace Sluice.Cluster;

/// <summary>
/// Runs an application that does not reference ASP.NET Core with the libraries that Sluice's tool and Sluice.Cluster load into it
/// (the web UI, Orleans' hosting), which come from the ASP.NET Core shared framework: a copy of its runtimeconfig that adds it.
/// </summary>
internal static class RuntimeConfigs
{
    private const string AspNetCore = "Microsoft.AspNetCore.App";

    /// <summary>The application's runtimeconfig with the ASP.NET Core framework added beside its own (a temporary file), or null when it has it already.</summary>
    internal static string? WithAspNetCore(string runtimeConfig)
    {
        if (!File.Exists(runtimeConfig))
        {
            throw new FileNotFoundException($"{runtimeConfig} does not exist: sluice submit runs an application built as an executable (OutputType Exe), which has one");
        }

        var root = JsonNode.Parse(File.ReadAllText(runtimeConfig)) as JsonObject
            ?? throw new InvalidDataException($"{runtimeConfig} is not a JSON object");
        var options = root["runtimeOptions"] as JsonObject ?? throw new InvalidDataException($"{runtimeConfig} has no runtimeOptions");
        var frameworks = new JsonArray();
        if (options["framework"] is JsonObject single)
        {
            frameworks.Add(single.DeepClone());
        }

        if (options["frameworks"] is JsonArray many)
        {
            foreach (var f in many)
            {
                frameworks.Add(f?.DeepClone());
            }
        }

        if (frameworks.Any(f => (string?)f?["name"] == AspNetCore))
        {
            return null;
        }

        string version = frameworks.Select(f => (string?)f?["version"]).FirstOrDefault(v => v is not null)
            ?? throw new InvalidDataException($"{runtimeConfig} names no framework version");
        frameworks.Add(new JsonObject { ["name"] = AspNetCore, ["version"] = version });
        options.Remove("framework");
        options["frameworks"] = frameworks;
        string path = Path.Combine(Path.GetTempPath(), $"sluice-submit-{Environment.ProcessId}-{Guid.NewGuid():N}.runtimeconfig.json");
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }
}
