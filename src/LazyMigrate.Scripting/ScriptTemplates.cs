namespace LazyMigrate.Scripting;

/// <summary>The native-style script templates that ship with the product, one per legacy database kind plus HTTP.</summary>
public static class ScriptTemplates
{
    /// <summary>Template names: postgres, mysql, sqlserver, sqlite, http.</summary>
    public static IReadOnlyList<string> Names { get; } = ["postgres", "mysql", "sqlserver", "sqlite", "http"];

    public static string Get(string name)
    {
        using var stream = typeof(ScriptTemplates).Assembly.GetManifestResourceStream($"LazyMigrate.Scripting.Templates.{name}.js")
            ?? throw new ArgumentException($"no template named '{name}'; known: {string.Join(", ", Names)}", nameof(name));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The template for a connection's legacy database kind.</summary>
    public static string For(LegacyDatabaseProvider provider) => Get(provider switch
    {
        LegacyDatabaseProvider.Postgres => "postgres",
        LegacyDatabaseProvider.MySql => "mysql",
        LegacyDatabaseProvider.SqlServer => "sqlserver",
        LegacyDatabaseProvider.Sqlite => "sqlite",
        _ => "http",
    });
}
