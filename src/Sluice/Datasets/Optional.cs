namespace Sluice.Datasets;

/// <summary>A value that may be absent, as in the outer joins; prints like Scala's Option: <c>Some(x)</c> or <c>None</c>.</summary>
public readonly record struct Optional<T>
{
    private readonly T _value;

    /// <summary>Wraps a present value.</summary>
    public Optional(T value)
    {
        _value = value;
        HasValue = true;
    }

    /// <summary>True when a value is present.</summary>
    public bool HasValue { get; }

    /// <summary>The value; throws when absent.</summary>
    public T Value => HasValue ? _value : throw new InvalidOperationException("Optional has no value");

    /// <summary>The value, or <paramref name="fallback"/> when absent.</summary>
    public T GetValueOrDefault(T fallback) => HasValue ? _value : fallback;

    /// <summary>The absent value.</summary>
    public static Optional<T> None => default;

    /// <inheritdoc />
    public override string ToString() => HasValue ? $"Some({Sluice.Sinks.RecordFormatter.Format(_value)})" : "None";
}
