namespace Sluice.Configuration;

/// <summary>A configuration key, value or combination that cannot be used; the message names the key and the value.</summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigurationException(string message, Exception? inner = null) : base(message, inner) { }
}
