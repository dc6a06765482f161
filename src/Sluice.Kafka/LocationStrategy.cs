namespace Sluice.Kafka;

/// <summary>Where the tasks of a Kafka partition prefer to run, as Spark's <c>LocationStrategy</c>; in one process every strategy reads the same way.</summary>
public sealed class LocationStrategy
{
    internal LocationStrategy(string name) => Name = name;

    /// <summary>The strategy's name.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Spark's location strategies: <see cref="PreferConsistent"/> is the one to use.</summary>
public static class LocationStrategies
{
    /// <summary>Spread partitions evenly over the executors (Spark's usual choice).</summary>
    public static LocationStrategy PreferConsistent { get; } = new("PreferConsistent");

    /// <summary>Prefer the executors on the partitions' leader brokers (only where executors run on the brokers).</summary>
    public static LocationStrategy PreferBrokers { get; } = new("PreferBrokers");
}
