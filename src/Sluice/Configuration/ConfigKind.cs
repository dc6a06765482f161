namespace Sluice.Configuration;

/// <summary>The type of value a configuration key accepts.</summary>
public enum ConfigKind
{
    /// <summary>Free text.</summary>
    String,
    /// <summary>A whole number.</summary>
    Int,
    /// <summary>A whole number of bytes; accepts suffixes k, m, g.</summary>
    Bytes,
    /// <summary>A decimal number.</summary>
    Double,
    /// <summary>true or false.</summary>
    Bool,
    /// <summary>A duration such as 500ms, 2s, 1min.</summary>
    Duration,
    /// <summary>A master URL such as local, local[2], local[*].</summary>
    Master,
}
