using LazyMigrate.Scripting;
using LazyMigrate.Testing;
using MySqlConnector;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// A second connection, <c>mariadb</c>, on a MariaDB legacy database of the test class's own, running the shipped
/// mysql template unchanged (login, getUser, listUsers).
/// </summary>
public sealed class MariaDbPullImportFixture : ManagementApiFixture
{
    private readonly string _database = "legacy_" + Guid.NewGuid().ToString("N");
    private readonly string _script = Path.Combine(Path.GetTempPath(), $"lazymigrate-mysql-{Guid.NewGuid():N}.js");

    public string MariaDbConnectionString { get; private set; } = "";

    public override async ValueTask InitializeAsync()
    {
        await using (var server = new MySqlConnection(MariaDbServer.ConnectionString))
        {
            await server.OpenAsync();
            await using var create = new MySqlCommand($"CREATE DATABASE `{_database}`", server);
            await create.ExecuteNonQueryAsync();
        }

        MariaDbConnectionString = new MySqlConnectionStringBuilder(MariaDbServer.ConnectionString) { Database = _database }.ConnectionString;
        await ExecuteAsync("""
            CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(200) NOT NULL, username VARCHAR(100), password_hash VARCHAR(200),
              given_name VARCHAR(100), family_name VARCHAR(100), email_verified BOOLEAN NOT NULL)
            """);
        await File.WriteAllTextAsync(_script, ScriptTemplates.Get("mysql"));
        await base.InitializeAsync();
    }

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        const string prefix = "LazyMigrate:Connections:1:";
        settings[prefix + "Name"] = "mariadb";
        settings[prefix + "State"] = "Importing";
        settings[prefix + "Database:Provider"] = "mysql";
        settings[prefix + "Database:ConnectionString"] = MariaDbConnectionString;
        settings[prefix + "Scripts:Login"] = _script;
        settings[prefix + "Scripts:ListUsers"] = _script;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new MySqlConnection(MariaDbConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await using var server = new MySqlConnection(MariaDbServer.ConnectionString);
        await server.OpenAsync();
        await using var drop = new MySqlCommand($"DROP DATABASE IF EXISTS `{_database}`", server);
        await drop.ExecuteNonQueryAsync();
        File.Delete(_script);
        GC.SuppressFinalize(this);
    }
}
