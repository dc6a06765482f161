namespace Sluice.Postgres.Tests;

/// <summary>A fact that needs a PostgreSQL server; skipped, saying what is missing, when it cannot be started.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresServer.Missing is { } missing)
        {
            Skip = missing;
        }
    }
}
