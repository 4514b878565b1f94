-- The table of migration ClusterKeysAndSlots, for measuring the slot statements alone.
CREATE TABLE "LegacyCallSlots" (
    "Connection" character varying(128) NOT NULL,
    "Slot" integer NOT NULL,
    "Holder" uuid NULL,
    "LeaseUntil" timestamp with time zone NOT NULL,
    CONSTRAINT "PK_LegacyCallSlots" PRIMARY KEY ("Connection", "Slot"));
INSERT INTO "LegacyCallSlots" SELECT 'legacy', s, NULL, '-infinity' FROM generate_series(0, 31) AS s;
