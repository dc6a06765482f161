namespace Sluice.Streaming;

/// <summary>How JSON-lines files name a record's properties.</summary>
public enum JsonNaming
{
    /// <summary>As declared in C# (<c>UserId</c>), System.Text.Json's default and what Spark writes for its columns.</summary>
    AsDeclared,

    /// <summary>camelCase (<c>userId</c>), the usual convention of JSON from JavaScript and web services.</summary>
    CamelCase,
}
