import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { user } from "./auth";
import { mission, missionVersion } from "./missions";
import { run } from "./runs";

/**
 * A model comparison (issue #16): one mission version run on several models, on one input or on
 * the mission's test cases. Its runs are in model_comparison_run, one per case × model.
 */
export const modelComparison = pgTable(
  "model_comparison",
  {
    id: text("id").primaryKey(),
    missionId: text("mission_id")
      .notNull()
      .references(() => mission.id, { onDelete: "cascade" }),
    versionId: text("version_id")
      .notNull()
      .references(() => missionVersion.id),
    /** The registered model ids compared, in the order they are shown. */
    models: jsonb("models").$type<string[]>().notNull(),
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("model_comparison_mission").on(t.missionId)],
);

/** One run of a comparison: which model it ran on, and the test case it ran (null: the comparison's one input). */
export const modelComparisonRun = pgTable(
  "model_comparison_run",
  {
    comparisonId: text("comparison_id")
      .notNull()
      .references(() => modelComparison.id, { onDelete: "cascade" }),
    runId: text("run_id")
      .notNull()
      .references(() => run.id, { onDelete: "cascade" }),
    modelId: text("model_id").notNull(),
    /** Not a reference: a case may be deleted, the comparison keeps its runs. */
    testCaseId: text("test_case_id"),
    /** The case's name when the comparison started, shown if the case is gone. */
    caseName: text("case_name"),
    /** Row order on the page: cases (or the one input) in order. */
    position: integer("position").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.comparisonId, t.runId] })],
);
