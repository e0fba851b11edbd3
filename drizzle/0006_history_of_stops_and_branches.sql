CREATE TABLE "branch_links" (
	"id" serial PRIMARY KEY NOT NULL,
	"organisation_id" integer NOT NULL,
	"parent_organisation_id" integer NOT NULL,
	"linked_on" date NOT NULL,
	"unlinked_on" date,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "branch_links_dates_ck" CHECK (unlinked_on is null or unlinked_on >= linked_on),
	CONSTRAINT "branch_links_not_self_ck" CHECK (organisation_id <> parent_organisation_id)
);
--> statement-breakpoint
ALTER TABLE "collaboration_partners" ADD COLUMN "created_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "collaboration_partners" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "collaboration_statuses" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "participations" ADD COLUMN "stopped_on" date;--> statement-breakpoint
ALTER TABLE "branch_links" ADD CONSTRAINT "branch_links_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "branch_links" ADD CONSTRAINT "branch_links_parent_organisation_id_organisations_id_fk" FOREIGN KEY ("parent_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "branch_links_parent_idx" ON "branch_links" USING btree ("parent_organisation_id","linked_on");--> statement-breakpoint
CREATE INDEX "branch_links_organisation_idx" ON "branch_links" USING btree ("organisation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "branch_links_open_uq" ON "branch_links" USING btree ("organisation_id") WHERE unlinked_on is null and deleted_at is null;--> statement-breakpoint
ALTER TABLE "participations" ADD CONSTRAINT "participations_stopped_ck" CHECK (stopped_on is null or signed_on is null or stopped_on >= signed_on);--> statement-breakpoint
-- Backfill: today's branch links become the open rows of branch_links. The date is the best the
-- database knows: the latest audited "branch_linked" change of the organisation; otherwise (it was
-- created as a branch) the day it was created or, when earlier, its first coalition membership.
INSERT INTO "branch_links" ("organisation_id", "parent_organisation_id", "linked_on")
SELECT o."id", o."parent_organisation_id",
       COALESCE(
         (SELECT max((a."at" AT TIME ZONE 'Europe/Amsterdam')::date) FROM "audit_log" a
           WHERE a."entity" = 'organisation' AND a."entity_id" = o."id"::text AND a."details"->>'change' = 'branch_linked'),
         LEAST((o."created_at" AT TIME ZONE 'Europe/Amsterdam')::date,
               (SELECT min(cm."start_date") FROM "coalition_members" cm WHERE cm."organisation_id" = o."id" AND cm."deleted_at" IS NULL)))
  FROM "organisations" o
 WHERE o."parent_organisation_id" IS NOT NULL AND o."deleted_at" IS NULL AND o."parent_organisation_id" <> o."id";
