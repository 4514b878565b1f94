-- One legacy call's share of the cluster-wide bulkhead: take a free slot (as PostgresCallSlots.TakeAsync), free it
-- (as ReleaseAsync). Two statements, each its own transaction, as the server sends them.
\set holder random(1, 1000000000)
UPDATE "LegacyCallSlots" SET "Holder" = md5(:holder::text)::uuid, "LeaseUntil" = now() + interval '35 seconds'
WHERE ("Connection", "Slot") = (
    SELECT "Connection", "Slot" FROM "LegacyCallSlots"
    WHERE "Connection" = 'legacy' AND "Slot" < 32 AND ("Holder" IS NULL OR "LeaseUntil" < now())
    LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING "Slot";
UPDATE "LegacyCallSlots" SET "Holder" = NULL, "LeaseUntil" = '-infinity'
WHERE "Connection" = 'legacy' AND "Holder" = md5(:holder::text)::uuid;
