namespace LazyMigrate.Testing;

/// <summary>
/// The MariaDB server the legacy-database tests use, started by ./test.sh, which passes its connection string in
/// <c>LAZYMIGRATE_TEST_MARIADB</c>. Tests that need it fail (rather than skip) when it is missing.
/// </summary>
public static class MariaDbServer
{
    public const string EnvironmentVariable = "LAZYMIGRATE_TEST_MARIADB";

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"No MariaDB for the tests: set {EnvironmentVariable} (./test.sh starts one).");
}
