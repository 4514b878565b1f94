namespace LazyMigrate.Scripting.Legacy;

/// <summary>A legacy database as scripts see it: parameterised queries returning rows of plain values.</summary>
public interface ILegacyDatabase
{
    /// <summary>
    /// Runs <paramref name="sql"/> with positional <paramref name="parameters"/> in the provider's own placeholder
    /// syntax ($1 PostgreSQL, ? MySQL/MariaDB and SQLite, @p0 SQL Server). Values are never spliced into the SQL.
    /// </summary>
    Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> QueryAsync(string sql, IReadOnlyList<object?> parameters, CancellationToken cancellationToken);
}

/// <summary>Opens legacy databases; the drivers pool connections per connection string.</summary>
public interface ILegacyDatabaseFactory
{
    ILegacyDatabase Open(LegacyDatabaseProvider provider, string connectionString);
}
