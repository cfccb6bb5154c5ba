CREATE TABLE "audit_head" (
	"one" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"id" bigint NOT NULL,
	"hash" text NOT NULL,
	"prev_hash" text NOT NULL,
	CONSTRAINT "audit_head_one_row" CHECK ("audit_head"."one")
);
--> statement-breakpoint
-- The head of the chain written so far (GENESIS_HASH, 64 zeros, before the first entry).
INSERT INTO "audit_head" ("one", "id", "hash", "prev_hash")
SELECT true,
       coalesce((SELECT max("id") FROM "audit_log"), 0),
       coalesce((SELECT "hash" FROM "audit_log" ORDER BY "id" DESC LIMIT 1), repeat('0', 64)),
       coalesce((SELECT "prev_hash" FROM "audit_log" ORDER BY "id" DESC LIMIT 1), repeat('0', 64));
