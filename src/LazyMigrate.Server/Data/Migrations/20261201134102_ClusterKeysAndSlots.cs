using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LazyMigrate.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class ClusterKeysAndSlots : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ActivatesAt",
                table: "ServerKeys",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            // Keys made before the schedule existed have signed since they were created.
            migrationBuilder.Sql("""UPDATE "ServerKeys" SET "ActivatesAt" = "CreatedAt";""");

            migrationBuilder.CreateTable(
                name: "LegacyCallSlots",
                columns: table => new
                {
                    Connection = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Slot = table.Column<int>(type: "integer", nullable: false),
                    Holder = table.Column<Guid>(type: "uuid", nullable: true),
                    LeaseUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LegacyCallSlots", x => new { x.Connection, x.Slot });
                });

            migrationBuilder.CreateIndex(
                name: "IX_ServerKeys_Use_ActivatesAt",
                table: "ServerKeys",
                columns: new[] { "Use", "ActivatesAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LegacyCallSlots");

            migrationBuilder.DropIndex(
                name: "IX_ServerKeys_Use_ActivatesAt",
                table: "ServerKeys");

            migrationBuilder.DropColumn(
                name: "ActivatesAt",
                table: "ServerKeys");
        }
    }
}
