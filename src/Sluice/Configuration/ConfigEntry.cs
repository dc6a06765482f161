namespace Sluice.Configuration;

/// <summary>A known configuration key: its type, its default and what it means.</summary>
public sealed record ConfigEntry(string Key, ConfigKind Kind, string? DefaultValue, string Doc, string[]? Choices = null);
