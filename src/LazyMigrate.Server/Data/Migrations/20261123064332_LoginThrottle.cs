using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LazyMigrate.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class LoginThrottle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "LoginThrottleCounters",
                columns: table => new
                {
                    Key = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    Failures = table.Column<int>(type: "integer", nullable: false),
                    WindowStart = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    BlockedUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LoginThrottleCounters", x => x.Key);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LoginThrottleCounters");
        }
    }
}
