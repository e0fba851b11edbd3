CREATE TABLE "board_interests" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"kind" text,
	"themes" text[] DEFAULT '{}'::text[] NOT NULL,
	"province_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "board_matches" (
	"id" serial PRIMARY KEY NOT NULL,
	"post_id" integer NOT NULL,
	"partner_organisation_id" integer,
	"partner_user_id" integer,
	"note" text,
	"made_on" date NOT NULL,
	"created_by" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "board_messages" (
	"id" serial PRIMARY KEY NOT NULL,
	"post_id" integer NOT NULL,
	"reactor_id" integer NOT NULL,
	"reactor_organisation_id" integer,
	"from_user_id" integer NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "board_notifications" (
	"id" serial PRIMARY KEY NOT NULL,
	"interest_id" integer NOT NULL,
	"post_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "board_posts" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"themes" text[] DEFAULT '{}'::text[] NOT NULL,
	"sectors" text[] DEFAULT '{}'::text[] NOT NULL,
	"province_id" integer,
	"municipality_id" integer,
	"valid_until" date NOT NULL,
	"organisation_id" integer,
	"coalition_id" integer,
	"posted_by" integer NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('dutch', coalesce("board_posts"."title", '')), 'A') || setweight(to_tsvector('dutch', coalesce("board_posts"."description", '')), 'B')) STORED NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "board_posts_author_ck" CHECK (num_nonnulls(organisation_id, coalition_id) = 1)
);
--> statement-breakpoint
CREATE TABLE "advisory_budgets" (
	"municipality_id" integer PRIMARY KEY NOT NULL,
	"hours" numeric(7, 2) NOT NULL,
	"updated_by" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "advisory_budgets_hours_ck" CHECK (hours >= 0)
);
--> statement-breakpoint
CREATE TABLE "coalition_members" (
	"id" serial PRIMARY KEY NOT NULL,
	"coalition_id" integer NOT NULL,
	"organisation_id" integer NOT NULL,
	"role" text NOT NULL,
	"sector" text NOT NULL,
	"contact_name" text,
	"contact_email" text,
	"start_date" date NOT NULL,
	"end_date" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "coalition_members_dates_ck" CHECK (end_date is null or end_date >= start_date)
);
--> statement-breakpoint
CREATE TABLE "coalition_stages" (
	"id" serial PRIMARY KEY NOT NULL,
	"coalition_id" integer NOT NULL,
	"stage" text NOT NULL,
	"from_date" date NOT NULL,
	"note" text,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "coalitions" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"municipality_id" integer NOT NULL,
	"joint_approach_id" integer,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "collaboration_partners" (
	"id" serial PRIMARY KEY NOT NULL,
	"collaboration_id" integer NOT NULL,
	"organisation_id" integer,
	"coalition_id" integer,
	"municipality_id" integer,
	"role" text,
	CONSTRAINT "collaboration_partners_one_ck" CHECK (num_nonnulls(organisation_id, coalition_id, municipality_id) = 1)
);
--> statement-breakpoint
CREATE TABLE "collaboration_statuses" (
	"id" serial PRIMARY KEY NOT NULL,
	"collaboration_id" integer NOT NULL,
	"status" text NOT NULL,
	"from_date" date NOT NULL,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "collaborations" (
	"id" serial PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"start_date" date,
	"end_date" date,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "contact_moment_organisations" (
	"contact_moment_id" integer NOT NULL,
	"organisation_id" integer NOT NULL,
	CONSTRAINT "contact_moment_organisations_contact_moment_id_organisation_id_pk" PRIMARY KEY("contact_moment_id","organisation_id")
);
--> statement-breakpoint
CREATE TABLE "contact_moment_persons" (
	"contact_moment_id" integer NOT NULL,
	"person_id" integer NOT NULL,
	CONSTRAINT "contact_moment_persons_contact_moment_id_person_id_pk" PRIMARY KEY("contact_moment_id","person_id")
);
--> statement-breakpoint
CREATE TABLE "contact_moments" (
	"id" serial PRIMARY KEY NOT NULL,
	"occurred_on" date NOT NULL,
	"kind" text NOT NULL,
	"subject" text NOT NULL,
	"notes" text,
	"municipality_id" integer,
	"duration_minutes" integer DEFAULT 0 NOT NULL,
	"advisory" boolean DEFAULT false NOT NULL,
	"advisor_id" integer,
	"pillars" text[] DEFAULT '{}'::text[] NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_by" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "contact_moments_duration_ck" CHECK (duration_minutes >= 0 and duration_minutes <= 1440)
);
--> statement-breakpoint
CREATE TABLE "contact_persons" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"organisation_id" integer,
	"job_title" text,
	"email" text,
	"phone" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "municipality_phases" (
	"id" serial PRIMARY KEY NOT NULL,
	"municipality_id" integer NOT NULL,
	"phase" text NOT NULL,
	"from_date" date NOT NULL,
	"account_manager_id" integer,
	"note" text,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "national_members" (
	"id" serial PRIMARY KEY NOT NULL,
	"organisation_id" integer NOT NULL,
	"sector" text NOT NULL,
	"declaration_date" date NOT NULL,
	"left_on" date,
	"pledged_actions" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "national_members_dates_ck" CHECK (left_on is null or left_on >= declaration_date)
);
--> statement-breakpoint
CREATE TABLE "network_tasks" (
	"id" serial PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"contact_moment_id" integer,
	"municipality_id" integer,
	"due_date" date NOT NULL,
	"assignee_id" integer NOT NULL,
	"done_at" timestamp with time zone,
	"done_by" integer,
	"created_by" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "parent_organisation_id" integer;--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "merged_into_id" integer;--> statement-breakpoint
ALTER TABLE "board_interests" ADD CONSTRAINT "board_interests_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_interests" ADD CONSTRAINT "board_interests_province_id_provinces_id_fk" FOREIGN KEY ("province_id") REFERENCES "public"."provinces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_matches" ADD CONSTRAINT "board_matches_post_id_board_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."board_posts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_matches" ADD CONSTRAINT "board_matches_partner_organisation_id_organisations_id_fk" FOREIGN KEY ("partner_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_matches" ADD CONSTRAINT "board_matches_partner_user_id_users_id_fk" FOREIGN KEY ("partner_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_messages" ADD CONSTRAINT "board_messages_post_id_board_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."board_posts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_messages" ADD CONSTRAINT "board_messages_reactor_id_users_id_fk" FOREIGN KEY ("reactor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_messages" ADD CONSTRAINT "board_messages_reactor_organisation_id_organisations_id_fk" FOREIGN KEY ("reactor_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_messages" ADD CONSTRAINT "board_messages_from_user_id_users_id_fk" FOREIGN KEY ("from_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_notifications" ADD CONSTRAINT "board_notifications_interest_id_board_interests_id_fk" FOREIGN KEY ("interest_id") REFERENCES "public"."board_interests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_notifications" ADD CONSTRAINT "board_notifications_post_id_board_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."board_posts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_posts" ADD CONSTRAINT "board_posts_province_id_provinces_id_fk" FOREIGN KEY ("province_id") REFERENCES "public"."provinces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_posts" ADD CONSTRAINT "board_posts_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_posts" ADD CONSTRAINT "board_posts_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_posts" ADD CONSTRAINT "board_posts_coalition_id_coalitions_id_fk" FOREIGN KEY ("coalition_id") REFERENCES "public"."coalitions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_posts" ADD CONSTRAINT "board_posts_posted_by_users_id_fk" FOREIGN KEY ("posted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "advisory_budgets" ADD CONSTRAINT "advisory_budgets_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coalition_members" ADD CONSTRAINT "coalition_members_coalition_id_coalitions_id_fk" FOREIGN KEY ("coalition_id") REFERENCES "public"."coalitions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coalition_members" ADD CONSTRAINT "coalition_members_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coalition_stages" ADD CONSTRAINT "coalition_stages_coalition_id_coalitions_id_fk" FOREIGN KEY ("coalition_id") REFERENCES "public"."coalitions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coalitions" ADD CONSTRAINT "coalitions_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coalitions" ADD CONSTRAINT "coalitions_joint_approach_id_joint_approaches_id_fk" FOREIGN KEY ("joint_approach_id") REFERENCES "public"."joint_approaches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collaboration_partners" ADD CONSTRAINT "collaboration_partners_collaboration_id_collaborations_id_fk" FOREIGN KEY ("collaboration_id") REFERENCES "public"."collaborations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collaboration_partners" ADD CONSTRAINT "collaboration_partners_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collaboration_partners" ADD CONSTRAINT "collaboration_partners_coalition_id_coalitions_id_fk" FOREIGN KEY ("coalition_id") REFERENCES "public"."coalitions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collaboration_partners" ADD CONSTRAINT "collaboration_partners_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collaboration_statuses" ADD CONSTRAINT "collaboration_statuses_collaboration_id_collaborations_id_fk" FOREIGN KEY ("collaboration_id") REFERENCES "public"."collaborations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_moment_organisations" ADD CONSTRAINT "contact_moment_organisations_contact_moment_id_contact_moments_id_fk" FOREIGN KEY ("contact_moment_id") REFERENCES "public"."contact_moments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_moment_organisations" ADD CONSTRAINT "contact_moment_organisations_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_moment_persons" ADD CONSTRAINT "contact_moment_persons_contact_moment_id_contact_moments_id_fk" FOREIGN KEY ("contact_moment_id") REFERENCES "public"."contact_moments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_moment_persons" ADD CONSTRAINT "contact_moment_persons_person_id_contact_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."contact_persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_moments" ADD CONSTRAINT "contact_moments_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_moments" ADD CONSTRAINT "contact_moments_advisor_id_users_id_fk" FOREIGN KEY ("advisor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_persons" ADD CONSTRAINT "contact_persons_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "municipality_phases" ADD CONSTRAINT "municipality_phases_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "municipality_phases" ADD CONSTRAINT "municipality_phases_account_manager_id_users_id_fk" FOREIGN KEY ("account_manager_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "national_members" ADD CONSTRAINT "national_members_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "network_tasks" ADD CONSTRAINT "network_tasks_contact_moment_id_contact_moments_id_fk" FOREIGN KEY ("contact_moment_id") REFERENCES "public"."contact_moments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "network_tasks" ADD CONSTRAINT "network_tasks_municipality_id_municipalities_id_fk" FOREIGN KEY ("municipality_id") REFERENCES "public"."municipalities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "network_tasks" ADD CONSTRAINT "network_tasks_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "board_interests_user_idx" ON "board_interests" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "board_matches_post_idx" ON "board_matches" USING btree ("post_id");--> statement-breakpoint
CREATE INDEX "board_matches_made_idx" ON "board_matches" USING btree ("made_on");--> statement-breakpoint
CREATE INDEX "board_messages_post_idx" ON "board_messages" USING btree ("post_id","reactor_id","created_at");--> statement-breakpoint
CREATE INDEX "board_messages_reactor_idx" ON "board_messages" USING btree ("reactor_id");--> statement-breakpoint
CREATE UNIQUE INDEX "board_notifications_uq" ON "board_notifications" USING btree ("interest_id","post_id");--> statement-breakpoint
CREATE INDEX "board_posts_search_idx" ON "board_posts" USING gin ("search");--> statement-breakpoint
CREATE INDEX "board_posts_open_idx" ON "board_posts" USING btree ("valid_until","created_at") WHERE deleted_at is null and status = 'open';--> statement-breakpoint
CREATE INDEX "board_posts_themes_idx" ON "board_posts" USING gin ("themes");--> statement-breakpoint
CREATE INDEX "board_posts_organisation_idx" ON "board_posts" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "coalition_members_coalition_idx" ON "coalition_members" USING btree ("coalition_id");--> statement-breakpoint
CREATE INDEX "coalition_members_organisation_idx" ON "coalition_members" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "coalition_stages_coalition_idx" ON "coalition_stages" USING btree ("coalition_id","from_date");--> statement-breakpoint
CREATE UNIQUE INDEX "coalitions_municipality_uq" ON "coalitions" USING btree ("municipality_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "collaboration_partners_collaboration_idx" ON "collaboration_partners" USING btree ("collaboration_id");--> statement-breakpoint
CREATE INDEX "collaboration_partners_organisation_idx" ON "collaboration_partners" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "collaboration_statuses_idx" ON "collaboration_statuses" USING btree ("collaboration_id","from_date");--> statement-breakpoint
CREATE INDEX "contact_moment_organisations_org_idx" ON "contact_moment_organisations" USING btree ("organisation_id","contact_moment_id");--> statement-breakpoint
CREATE INDEX "contact_moment_persons_person_idx" ON "contact_moment_persons" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "contact_moments_municipality_idx" ON "contact_moments" USING btree ("municipality_id","occurred_on","id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "contact_moments_advisor_idx" ON "contact_moments" USING btree ("advisor_id","occurred_on") WHERE deleted_at is null and advisory;--> statement-breakpoint
CREATE INDEX "contact_moments_occurred_idx" ON "contact_moments" USING btree ("occurred_on");--> statement-breakpoint
CREATE INDEX "contact_persons_organisation_idx" ON "contact_persons" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "municipality_phases_municipality_idx" ON "municipality_phases" USING btree ("municipality_id","from_date");--> statement-breakpoint
CREATE UNIQUE INDEX "national_members_organisation_uq" ON "national_members" USING btree ("organisation_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "network_tasks_assignee_idx" ON "network_tasks" USING btree ("assignee_id","due_date") WHERE deleted_at is null and done_at is null;--> statement-breakpoint
CREATE INDEX "network_tasks_contact_moment_idx" ON "network_tasks" USING btree ("contact_moment_id");--> statement-breakpoint
ALTER TABLE "organisations" ADD CONSTRAINT "organisations_parent_organisation_id_organisations_id_fk" FOREIGN KEY ("parent_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisations" ADD CONSTRAINT "organisations_merged_into_id_organisations_id_fk" FOREIGN KEY ("merged_into_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "organisations_parent_idx" ON "organisations" USING btree ("parent_organisation_id");