using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LazyMigrate.Server.Data;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without starting the server (which would want a real database,
/// an issuer and keys). Creating a migration never connects, so the connection string is only a placeholder.
/// </summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<LazyMigrateDbContext>
{
    public LazyMigrateDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LazyMigrateDbContext>()
            .UseNpgsql("Host=localhost;Database=lazymigrate")
            .UseOpenIddict()
            .Options);
}
