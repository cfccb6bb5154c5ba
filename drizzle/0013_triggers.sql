CREATE TABLE "hook_message" (
	"hook_id" text NOT NULL,
	"message_id" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "hook_message_hook_id_message_id_pk" PRIMARY KEY("hook_id","message_id")
);
--> statement-breakpoint
CREATE TABLE "mission_hook" (
	"id" text PRIMARY KEY NOT NULL,
	"mission_id" text NOT NULL,
	"secret" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"rotated_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"accepted" integer DEFAULT 0 NOT NULL,
	"refused" integer DEFAULT 0 NOT NULL,
	"last_refusal" text,
	"last_refused_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "mission_schedule" (
	"mission_id" text PRIMARY KEY NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"changed_by" text,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "schedule_firing" (
	"mission_id" text NOT NULL,
	"fire_at" timestamp with time zone NOT NULL,
	"version_id" text NOT NULL,
	"run_id" text NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"error" text,
	CONSTRAINT "schedule_firing_mission_id_fire_at_pk" PRIMARY KEY("mission_id","fire_at"),
	CONSTRAINT "schedule_firing_run_id_unique" UNIQUE("run_id")
);
--> statement-breakpoint
ALTER TABLE "hook_message" ADD CONSTRAINT "hook_message_hook_id_mission_hook_id_fk" FOREIGN KEY ("hook_id") REFERENCES "public"."mission_hook"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_hook" ADD CONSTRAINT "mission_hook_mission_id_mission_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."mission"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_hook" ADD CONSTRAINT "mission_hook_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_hook" ADD CONSTRAINT "mission_hook_revoked_by_user_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_schedule" ADD CONSTRAINT "mission_schedule_mission_id_mission_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."mission"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_schedule" ADD CONSTRAINT "mission_schedule_changed_by_user_id_fk" FOREIGN KEY ("changed_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_firing" ADD CONSTRAINT "schedule_firing_mission_id_mission_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."mission"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_firing" ADD CONSTRAINT "schedule_firing_version_id_mission_version_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."mission_version"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hook_message_expires" ON "hook_message" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "mission_hook_mission" ON "mission_hook" USING btree ("mission_id");