CREATE TABLE "benchmark_answers" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"response_id" integer NOT NULL,
	"question_id" integer NOT NULL,
	"row_code" text DEFAULT '' NOT NULL,
	"option_code" text DEFAULT '' NOT NULL,
	"value_number" numeric,
	"value_text" text
);
--> statement-breakpoint
CREATE TABLE "benchmark_editions" (
	"id" serial PRIMARY KEY NOT NULL,
	"year" integer NOT NULL,
	"title" text NOT NULL,
	"intro" text,
	"opens_on" date,
	"closes_on" date,
	"status" text DEFAULT 'draft' NOT NULL,
	"allow_changes_after_submit" boolean DEFAULT true NOT NULL,
	"reminder_days" jsonb DEFAULT '[14,7,2]'::jsonb NOT NULL,
	"imported" boolean DEFAULT false NOT NULL,
	"published_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "benchmark_invitation_municipalities" (
	"invitation_id" integer NOT NULL,
	"municipality_id" integer NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "benchmark_invitation_municipalities_invitation_id_municipality_id_pk" PRIMARY KEY("invitation_id","municipality_id")
);
--> statement-breakpoint
CREATE TABLE "benchmark_invitations" (
	"id" serial PRIMARY KEY NOT NULL,
	"edition_id" integer NOT NULL,
	"municipality_id" integer NOT NULL,
	"contact_name" text,
	"contact_email" text NOT NULL,
	"token_hash" text NOT NULL,
	"token_encrypted" text NOT NULL,
	"sent_at" timestamp with time zone,
	"reminders_sent" integer DEFAULT 0 NOT NULL,
	"last_reminder_at" timestamp with time zone,
	"opted_out_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "benchmark_questions" (
	"id" serial PRIMARY KEY NOT NULL,
	"edition_id" integer NOT NULL,
	"section_id" integer NOT NULL,
	"code" text NOT NULL,
	"position" integer NOT NULL,
	"type" text NOT NULL,
	"text" text NOT NULL,
	"help" text,
	"required" boolean DEFAULT false NOT NULL,
	"options" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"rows" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"allow_dont_know" boolean DEFAULT false NOT NULL,
	"show_if" jsonb,
	"not_comparable" boolean DEFAULT false NOT NULL,
	"min_value" numeric,
	"max_value" numeric,
	"unit" text
);
--> statement-breakpoint
CREATE TABLE "benchmark_response_municipalities" (
	"response_id" integer NOT NULL,
	"municipality_id" integer NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "benchmark_response_municipalities_response_id_municipality_id_pk" PRIMARY KEY("response_id","municipality_id")
);
--> statement-breakpoint
CREATE TABLE "benchmark_responses" (
	"id" serial PRIMARY KEY NOT NULL,
	"edition_id" integer NOT NULL,
	"invitation_id" integer,
	"municipality_id" integer NOT NULL,
	"status" text DEFAULT 'in_progress' NOT NULL,
	"last_section" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"submitted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "benchmark_sections" (
	"id" serial PRIMARY KEY NOT NULL,
	"edition_id" integer NOT NULL,
	"code" text NOT NULL,
	"pillar" text NOT NULL,
	"title" text NOT NULL,
	"intro" text,
	"position" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "boundaries" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"year" integer NOT NULL,
	"geometry" jsonb NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "benchmark_answers" ADD CONSTRAINT "benchmark_answers_response_id_benchmark_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."benchmark_responses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_answers" ADD CONSTRAINT "benchmark_answers_question_id_benchmark_questions_id_fk" FOREIGN KEY ("question_id") REFERENCES "public"."benchmark_questions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_invitation_municipalities" ADD CONSTRAINT "benchmark_invitation_municipalities_invitation_id_benchmark_invitations_id_fk" FOREIGN KEY ("invitation_id") REFERENCES "public"."benchmark_invitations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_invitation_municipalities" ADD CONSTRAINT "benchmark_invitation_municipalities_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_invitations" ADD CONSTRAINT "benchmark_invitations_edition_id_benchmark_editions_id_fk" FOREIGN KEY ("edition_id") REFERENCES "public"."benchmark_editions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_invitations" ADD CONSTRAINT "benchmark_invitations_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_questions" ADD CONSTRAINT "benchmark_questions_edition_id_benchmark_editions_id_fk" FOREIGN KEY ("edition_id") REFERENCES "public"."benchmark_editions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_questions" ADD CONSTRAINT "benchmark_questions_section_id_benchmark_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."benchmark_sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_response_municipalities" ADD CONSTRAINT "benchmark_response_municipalities_response_id_benchmark_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."benchmark_responses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_response_municipalities" ADD CONSTRAINT "benchmark_response_municipalities_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_responses" ADD CONSTRAINT "benchmark_responses_edition_id_benchmark_editions_id_fk" FOREIGN KEY ("edition_id") REFERENCES "public"."benchmark_editions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_responses" ADD CONSTRAINT "benchmark_responses_invitation_id_benchmark_invitations_id_fk" FOREIGN KEY ("invitation_id") REFERENCES "public"."benchmark_invitations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_responses" ADD CONSTRAINT "benchmark_responses_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_sections" ADD CONSTRAINT "benchmark_sections_edition_id_benchmark_editions_id_fk" FOREIGN KEY ("edition_id") REFERENCES "public"."benchmark_editions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "benchmark_answers_uq" ON "benchmark_answers" USING btree ("response_id","question_id","row_code","option_code");--> statement-breakpoint
CREATE INDEX "benchmark_answers_question_idx" ON "benchmark_answers" USING btree ("question_id","row_code","option_code");--> statement-breakpoint
CREATE UNIQUE INDEX "benchmark_editions_year_uq" ON "benchmark_editions" USING btree ("year") WHERE deleted_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "benchmark_invitations_token_uq" ON "benchmark_invitations" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "benchmark_invitations_municipality_uq" ON "benchmark_invitations" USING btree ("edition_id","municipality_id") WHERE revoked_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "benchmark_questions_code_uq" ON "benchmark_questions" USING btree ("edition_id","code");--> statement-breakpoint
CREATE INDEX "benchmark_questions_section_idx" ON "benchmark_questions" USING btree ("section_id");--> statement-breakpoint
CREATE INDEX "benchmark_response_municipalities_municipality_idx" ON "benchmark_response_municipalities" USING btree ("municipality_id");--> statement-breakpoint
CREATE UNIQUE INDEX "benchmark_responses_invitation_uq" ON "benchmark_responses" USING btree ("invitation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "benchmark_responses_municipality_uq" ON "benchmark_responses" USING btree ("edition_id","municipality_id");--> statement-breakpoint
CREATE INDEX "benchmark_responses_edition_status_idx" ON "benchmark_responses" USING btree ("edition_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "benchmark_sections_code_uq" ON "benchmark_sections" USING btree ("edition_id","code");--> statement-breakpoint
CREATE UNIQUE INDEX "boundaries_kind_code_uq" ON "boundaries" USING btree ("kind","code");