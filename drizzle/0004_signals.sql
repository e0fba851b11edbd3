CREATE TABLE "postcode_address_areas" (
	"postcode" text NOT NULL,
	"house_number" integer NOT NULL,
	"municipality_id" integer NOT NULL,
	"neighbourhood_id" integer,
	"source" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "postcode_areas" (
	"postcode" text PRIMARY KEY NOT NULL,
	"municipality_id" integer NOT NULL,
	"neighbourhood_id" integer,
	"source" text NOT NULL,
	"address_count" integer,
	"updated_by" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signal_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"signal_id" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"user_id" integer,
	"kind" text NOT NULL,
	"from_status" text,
	"to_status" text,
	"organisation_id" integer,
	"code" text,
	"text_enc" text
);
--> statement-breakpoint
CREATE TABLE "signal_points" (
	"id" serial PRIMARY KEY NOT NULL,
	"municipality_id" integer NOT NULL,
	"organisation_id" integer NOT NULL,
	"name" text NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"first_contact_days" integer DEFAULT 2 NOT NULL,
	"retention_months" integer DEFAULT 6 NOT NULL,
	"digest_email" text,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signal_routing_rules" (
	"id" serial PRIMARY KEY NOT NULL,
	"municipality_id" integer NOT NULL,
	"signal_point_id" integer NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"neighbourhood_id" integer,
	"age_group" text,
	"signaller_type" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"kind" text NOT NULL,
	"channel" text NOT NULL,
	"api_key_id" integer,
	"idempotency_key" text,
	"request_hash" text,
	"received_at" timestamp with time zone NOT NULL,
	"signaller_type" text NOT NULL,
	"age_group" text DEFAULT 'unknown' NOT NULL,
	"signs" text[] DEFAULT '{}'::text[] NOT NULL,
	"person_knows" text DEFAULT 'unknown' NOT NULL,
	"feedback_requested" boolean DEFAULT false NOT NULL,
	"municipality_id" integer,
	"neighbourhood_id" integer,
	"signal_point_id" integer,
	"organisation_id" integer,
	"routed_by" text DEFAULT 'none' NOT NULL,
	"routed_at" timestamp with time zone,
	"status" text DEFAULT 'new' NOT NULL,
	"assigned_user_id" integer,
	"due_at" timestamp with time zone,
	"first_contact_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"outcome" text,
	"outcome_activity" text,
	"duplicate_of_id" bigint,
	"feedback_sent_at" timestamp with time zone,
	"person_enc" text,
	"story_enc" text,
	"signaller_enc" text,
	"address_key" text,
	"signaller_key" text,
	"personal_data_removed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "postcode_address_areas" ADD CONSTRAINT "postcode_address_areas_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "postcode_address_areas" ADD CONSTRAINT "postcode_address_areas_neighbourhood_id_neighbourhoods_id_fk" FOREIGN KEY ("neighbourhood_id") REFERENCES "public"."neighbourhoods"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "postcode_areas" ADD CONSTRAINT "postcode_areas_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "postcode_areas" ADD CONSTRAINT "postcode_areas_neighbourhood_id_neighbourhoods_id_fk" FOREIGN KEY ("neighbourhood_id") REFERENCES "public"."neighbourhoods"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signal_events" ADD CONSTRAINT "signal_events_signal_id_signals_id_fk" FOREIGN KEY ("signal_id") REFERENCES "public"."signals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signal_points" ADD CONSTRAINT "signal_points_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signal_points" ADD CONSTRAINT "signal_points_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signal_routing_rules" ADD CONSTRAINT "signal_routing_rules_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signal_routing_rules" ADD CONSTRAINT "signal_routing_rules_signal_point_id_signal_points_id_fk" FOREIGN KEY ("signal_point_id") REFERENCES "public"."signal_points"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signal_routing_rules" ADD CONSTRAINT "signal_routing_rules_neighbourhood_id_neighbourhoods_id_fk" FOREIGN KEY ("neighbourhood_id") REFERENCES "public"."neighbourhoods"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signals" ADD CONSTRAINT "signals_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signals" ADD CONSTRAINT "signals_neighbourhood_id_neighbourhoods_id_fk" FOREIGN KEY ("neighbourhood_id") REFERENCES "public"."neighbourhoods"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signals" ADD CONSTRAINT "signals_signal_point_id_signal_points_id_fk" FOREIGN KEY ("signal_point_id") REFERENCES "public"."signal_points"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signals" ADD CONSTRAINT "signals_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signals" ADD CONSTRAINT "signals_duplicate_of_id_signals_id_fk" FOREIGN KEY ("duplicate_of_id") REFERENCES "public"."signals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "postcode_address_areas_pk" ON "postcode_address_areas" USING btree ("postcode","house_number");--> statement-breakpoint
CREATE INDEX "postcode_areas_municipality_idx" ON "postcode_areas" USING btree ("municipality_id");--> statement-breakpoint
CREATE INDEX "signal_events_signal_idx" ON "signal_events" USING btree ("signal_id","at");--> statement-breakpoint
CREATE INDEX "signal_points_municipality_idx" ON "signal_points" USING btree ("municipality_id");--> statement-breakpoint
CREATE INDEX "signal_points_organisation_idx" ON "signal_points" USING btree ("organisation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "signal_points_default_uq" ON "signal_points" USING btree ("municipality_id") WHERE is_default and active;--> statement-breakpoint
CREATE INDEX "signal_routing_rules_municipality_idx" ON "signal_routing_rules" USING btree ("municipality_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "signals_reference_uq" ON "signals" USING btree ("reference");--> statement-breakpoint
CREATE UNIQUE INDEX "signals_idempotency_uq" ON "signals" USING btree ("channel",coalesce("api_key_id", 0),"idempotency_key") WHERE idempotency_key is not null;--> statement-breakpoint
CREATE INDEX "signals_inbox_idx" ON "signals" USING btree ("organisation_id","status","received_at","assigned_user_id","neighbourhood_id","first_contact_at","due_at");--> statement-breakpoint
CREATE INDEX "signals_org_received_idx" ON "signals" USING btree ("organisation_id","received_at");--> statement-breakpoint
CREATE INDEX "signals_unrouted_idx" ON "signals" USING btree ("received_at") WHERE signal_point_id is null;--> statement-breakpoint
CREATE INDEX "signals_municipality_idx" ON "signals" USING btree ("municipality_id","received_at");--> statement-breakpoint
CREATE INDEX "signals_address_key_idx" ON "signals" USING btree ("address_key") WHERE address_key is not null;--> statement-breakpoint
CREATE INDEX "signals_signaller_key_idx" ON "signals" USING btree ("signaller_key") WHERE signaller_key is not null;--> statement-breakpoint
CREATE INDEX "signals_retention_idx" ON "signals" USING btree ("closed_at") WHERE closed_at is not null and personal_data_removed_at is null;