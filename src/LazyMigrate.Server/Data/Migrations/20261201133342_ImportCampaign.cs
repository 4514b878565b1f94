using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LazyMigrate.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class ImportCampaign : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ImportJobId",
                table: "UserIdentities",
                type: "uuid",
                nullable: true);

            // Users bulk-imported before the column existed: their import's audit event names the job.
            migrationBuilder.Sql("""
                UPDATE "UserIdentities" i SET "ImportJobId" = substring(a."Actor" from 5)::uuid
                FROM "AuditEvents" a
                WHERE i."Origin" = 'Imported' AND a."UserId" = i."UserId" AND a."Connection" = i."Connection"
                  AND a."Type" = 'UserMigrated' AND a."Reason" = 'BulkImport' AND a."Actor" ~ '^job:[0-9a-f]{32}$';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ImportJobId",
                table: "UserIdentities");
        }
    }
}
