using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LazyMigrate.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class ConnectionBulkhead : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "MaxConcurrentCalls",
                table: "LegacyConnections",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "MaxQueuedCalls",
                table: "LegacyConnections",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "MaxConcurrentCalls",
                table: "LegacyConnections");

            migrationBuilder.DropColumn(
                name: "MaxQueuedCalls",
                table: "LegacyConnections");
        }
    }
}
