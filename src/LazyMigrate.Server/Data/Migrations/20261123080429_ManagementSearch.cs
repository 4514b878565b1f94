using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LazyMigrate.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class ManagementSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:pg_trgm", ",,");

            migrationBuilder.AddColumn<string>(
                name: "ProtectedConfiguredDefinition",
                table: "LegacyConnections",
                type: "text",
                nullable: true);

            // The connection row version is PostgreSQL's system column xmin: nothing to add.

            migrationBuilder.AddColumn<string>(
                name: "Actor",
                table: "AuditEvents",
                type: "character varying(300)",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SearchText",
                table: "AspNetUsers",
                type: "text",
                nullable: true,
                computedColumnSql: "lower(coalesce(\"Email\", '') || ' ' || coalesce(\"UserName\", '') || ' ' || coalesce(\"Name\", ''))",
                stored: true);

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Connection_At",
                table: "AuditEvents",
                columns: new[] { "Connection", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_CreatedAt_Id",
                table: "AspNetUsers",
                columns: new[] { "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_LastLoginAt",
                table: "AspNetUsers",
                column: "LastLoginAt");

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_MigratedAt",
                table: "AspNetUsers",
                column: "MigratedAt");

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_SearchText",
                table: "AspNetUsers",
                column: "SearchText")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Connection_At",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_CreatedAt_Id",
                table: "AspNetUsers");

            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_LastLoginAt",
                table: "AspNetUsers");

            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_MigratedAt",
                table: "AspNetUsers");

            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_SearchText",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "SearchText",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "ProtectedConfiguredDefinition",
                table: "LegacyConnections");


            migrationBuilder.DropColumn(
                name: "Actor",
                table: "AuditEvents");

            migrationBuilder.AlterDatabase()
                .OldAnnotation("Npgsql:PostgresExtension:pg_trgm", ",,");
        }
    }
}
