using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace LazyMigrate.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class LegacyIdentities : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Tombstones_Connection_NormalizedEmail",
                table: "Tombstones");

            migrationBuilder.AddColumn<bool>(
                name: "TrustEmails",
                table: "LegacyConnections",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "PendingIdentityLinks",
                columns: table => new
                {
                    UserId = table.Column<Guid>(type: "uuid", nullable: false),
                    DueAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PendingIdentityLinks", x => x.UserId);
                    table.ForeignKey(
                        name: "FK_PendingIdentityLinks_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "UserIdentities",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    UserId = table.Column<Guid>(type: "uuid", nullable: false),
                    Connection = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    LegacyId = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Origin = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Email = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    EmailVerified = table.Column<bool>(type: "boolean", nullable: false),
                    Profile = table.Column<string>(type: "jsonb", nullable: true),
                    LinkedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UserIdentities", x => x.Id);
                    table.ForeignKey(
                        name: "FK_UserIdentities_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            // Every migrated user's source becomes their imported identity before the columns go: nothing is lost.
            migrationBuilder.Sql("""
                INSERT INTO "UserIdentities" ("UserId", "Connection", "LegacyId", "Origin", "Email", "EmailVerified", "LinkedAt")
                SELECT "Id", "SourceConnection", "LegacyId", 'Imported', "Email", "EmailConfirmed", coalesce("MigratedAt", "CreatedAt")
                FROM "AspNetUsers"
                WHERE "SourceConnection" IS NOT NULL AND "LegacyId" IS NOT NULL;
                """);

            // Their other pools were never looked for: queue each for linking, spread out (ten a second) so the legacy
            // systems are not asked about every migrated user at once.
            migrationBuilder.Sql("""
                INSERT INTO "PendingIdentityLinks" ("UserId", "DueAt", "Attempts", "CreatedAt")
                SELECT "Id", now() + (row_number() OVER (ORDER BY "MigratedAt", "Id")) * interval '100 milliseconds', 0, now()
                FROM "AspNetUsers"
                WHERE "SourceConnection" IS NOT NULL AND "LegacyId" IS NOT NULL;
                """);

            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_SourceConnection_LegacyId",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "LegacyId",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "SourceConnection",
                table: "AspNetUsers");

            migrationBuilder.CreateIndex(
                name: "IX_Tombstones_NormalizedEmail",
                table: "Tombstones",
                column: "NormalizedEmail");

            migrationBuilder.CreateIndex(
                name: "IX_PendingIdentityLinks_DueAt",
                table: "PendingIdentityLinks",
                column: "DueAt");

            migrationBuilder.CreateIndex(
                name: "IX_UserIdentities_Connection_LegacyId",
                table: "UserIdentities",
                columns: new[] { "Connection", "LegacyId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_UserIdentities_UserId",
                table: "UserIdentities",
                column: "UserId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Tombstones_NormalizedEmail",
                table: "Tombstones");

            migrationBuilder.DropColumn(
                name: "TrustEmails",
                table: "LegacyConnections");

            migrationBuilder.AddColumn<string>(
                name: "LegacyId",
                table: "AspNetUsers",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SourceConnection",
                table: "AspNetUsers",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            // Back to one source per user: the imported identity (linked ones have no place in the old shape).
            migrationBuilder.Sql("""
                UPDATE "AspNetUsers" AS u SET "SourceConnection" = i."Connection", "LegacyId" = i."LegacyId"
                FROM "UserIdentities" AS i
                WHERE i."UserId" = u."Id" AND i."Origin" = 'Imported';
                """);

            migrationBuilder.DropTable(
                name: "PendingIdentityLinks");

            migrationBuilder.DropTable(
                name: "UserIdentities");

            migrationBuilder.CreateIndex(
                name: "IX_Tombstones_Connection_NormalizedEmail",
                table: "Tombstones",
                columns: new[] { "Connection", "NormalizedEmail" });

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_SourceConnection_LegacyId",
                table: "AspNetUsers",
                columns: new[] { "SourceConnection", "LegacyId" },
                unique: true);
        }
    }
}
