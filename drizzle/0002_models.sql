CREATE TABLE "model" (
	"id" text PRIMARY KEY NOT NULL,
	"provider_id" text NOT NULL,
	"model_name" text NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"price_in_per_mtok" numeric(12, 4) DEFAULT '0' NOT NULL,
	"price_out_per_mtok" numeric(12, 4) DEFAULT '0' NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_provider" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"base_url" text,
	"api_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "model" ADD CONSTRAINT "model_provider_id_model_provider_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."model_provider"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "model_provider_id" ON "model" USING btree ("provider_id");--> statement-breakpoint
CREATE UNIQUE INDEX "model_one_default" ON "model" USING btree ("is_default") WHERE "model"."is_default";