import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";

/** Upper bounds (seconds) of the step duration buckets: quick steps up to approvals waiting a day. */
export const STEP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14_400, 86_400] as const;

export interface StepDurations {
  kind: string;
  outcome: string;
  /** Steps at or under each of STEP_BUCKETS, in order (cumulative, as Prometheus buckets are). */
  buckets: number[];
  count: number;
  sum: number;
}

/** What the database records that an operator watches, read in one go at scrape time. */
export interface RecordedFigures {
  runsStarted: { channel: string; count: number }[];
  runsEnded: { outcome: string; count: number }[];
  runsByStatus: { status: string; count: number }[];
  steps: StepDurations[];
  stepsRunning: { count: number; oldestSeconds: number };
  queue: { due: number; oldestDueSeconds: number; leased: number; expiredLeases: number; oldestHeartbeatSeconds: number };
  decisionsWaiting: { kind: string; count: number; oldestSeconds: number; overdue: number }[];
  tokens: { in: number; out: number; cost: number };
}

const n = (v: unknown) => Number(v ?? 0);

/**
 * Reads the figures of /api/metrics from the tables the app already keeps: runs, run nodes (with
 * their kind from the version they ran), engine jobs, decisions. Nothing is counted on the engine's
 * path; a scrape costs a handful of aggregate queries, so scrape every 15 s or slower.
 * `leaseMs` is the embedded executor's lease: a leased job's last heartbeat is `locked_until - leaseMs`.
 */
export async function readRecordedFigures(database: Database, leaseMs: number): Promise<RecordedFigures> {
  const buckets = sql.join(
    STEP_BUCKETS.map((b) => sql`count(*) filter (where d <= ${b})::float8`),
    sql`, `,
  );
  const [started, ended, byStatus, steps, running, queue, decisions, tokens] = await Promise.all([
    database.rows<{ channel: string; count: unknown }>(sql`select channel, count(*)::float8 as count from run where started_at is not null and simulation is null group by channel`),
    database.rows<{ outcome: string; count: unknown }>(
      sql`select status as outcome, count(*)::float8 as count from run where ended_at is not null and status in ('succeeded', 'failed', 'cancelled') and simulation is null group by status`,
    ),
    database.rows<{ status: string; count: unknown }>(sql`select status, count(*)::float8 as count from run where simulation is null group by status`),
    database.rows<{ kind: string; outcome: string; buckets: unknown[]; count: unknown; sum: unknown }>(
      sql`with s as (
            select coalesce(k.kind, 'unknown') as kind, rn.status as outcome,
                   extract(epoch from rn.ended_at - rn.started_at)::float8 as d
            from run_node rn
            join run r on r.id = rn.run_id
            join mission_version v on v.id = r.version_id
            left join lateral (
              select n->>'kind' as kind from jsonb_array_elements(v.graph->'nodes') n where n->>'id' = rn.node_id limit 1
            ) k on true
            where rn.started_at is not null and rn.ended_at is not null and rn.status in ('succeeded', 'failed') and r.simulation is null)
          select kind, outcome, array[${buckets}] as buckets, count(*)::float8 as count, coalesce(sum(d), 0)::float8 as sum
          from s group by kind, outcome`,
    ),
    database.rows<{ count: unknown; oldest: unknown }>(
      sql`select count(*)::float8 as count, coalesce(extract(epoch from now() - min(started_at)), 0)::float8 as oldest from run_node where status = 'running'`,
    ),
    database.rows<{ due: unknown; oldest_due: unknown; leased: unknown; expired: unknown; heartbeat: unknown }>(
      sql`select count(*) filter (where run_at <= now() and (locked_until is null or locked_until < now()))::float8 as due,
                 coalesce(extract(epoch from now() - min(run_at) filter (where run_at <= now() and (locked_until is null or locked_until < now()))), 0)::float8 as oldest_due,
                 count(*) filter (where locked_until >= now())::float8 as leased,
                 count(*) filter (where locked_until < now())::float8 as expired,
                 coalesce(extract(epoch from now() - (min(locked_until) filter (where locked_until is not null) - make_interval(secs => ${leaseMs / 1000}))), 0)::float8 as heartbeat
          from engine_job`,
    ),
    database.rows<{ kind: string; count: unknown; oldest: unknown; overdue: unknown }>(
      sql`select kind, count(*)::float8 as count, extract(epoch from now() - min(created_at))::float8 as oldest,
                 count(*) filter (where due_at < now())::float8 as overdue
          from decision where status = 'pending' group by kind`,
    ),
    database.rows<{ tin: unknown; tout: unknown; cost: unknown }>(
      sql`select coalesce(sum(tokens_in), 0)::float8 as tin, coalesce(sum(tokens_out), 0)::float8 as tout, coalesce(sum(cost), 0)::float8 as cost from run where simulation is null`,
    ),
  ]);
  const q = queue[0];
  return {
    runsStarted: started.map((r) => ({ channel: r.channel, count: n(r.count) })),
    runsEnded: ended.map((r) => ({ outcome: r.outcome, count: n(r.count) })),
    runsByStatus: byStatus.map((r) => ({ status: r.status, count: n(r.count) })),
    steps: steps.map((s) => ({ kind: s.kind, outcome: s.outcome, buckets: s.buckets.map(n), count: n(s.count), sum: n(s.sum) })),
    stepsRunning: { count: n(running[0]?.count), oldestSeconds: n(running[0]?.oldest) },
    queue: { due: n(q?.due), oldestDueSeconds: n(q?.oldest_due), leased: n(q?.leased), expiredLeases: n(q?.expired), oldestHeartbeatSeconds: Math.max(0, n(q?.heartbeat)) },
    decisionsWaiting: decisions.map((d) => ({ kind: d.kind, count: n(d.count), oldestSeconds: n(d.oldest), overdue: n(d.overdue) })),
    tokens: { in: n(tokens[0]?.tin), out: n(tokens[0]?.tout), cost: n(tokens[0]?.cost) },
  };
}
