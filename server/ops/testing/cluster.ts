import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { startTcpProxy, type TcpProxy } from "@/test/tcp-proxy";
import { startServer, type Server, type Target } from "@/server/engine/testing/kill-process";
import type { KillSetup } from "@/server/engine/testing/kill-server";
import type { Ledger } from "@/server/engine/testing/ledger-mcp";
import { checkAllRuns } from "@/server/engine/testing/reliability";

// Several real Steward processes (server/engine/testing/kill-server.ts: the app's boot, engine and
// REST routes) on one PostgreSQL database, each behind a TCP proxy of its own so that a test can
// take the database away from one replica (a partition) or from all (a PostgreSQL restart) without
// disturbing the PostgreSQL that other test files use at the same time. The load they serve: the
// kill test's payment mission (a 2 s Wait, an approval, the ledger's `post`), started and decided
// over REST as a load balancer would spread it.

export interface Replica {
  name: string;
  server: Server;
  proxy: TcpProxy;
  /** False from the moment the test kills or stops it: the load balancer sends it nothing more. */
  live: boolean;
}

export interface Cluster {
  replicas: Replica[];
  setup: KillSetup;
  /** Starts replica `i` again (a restart after a kill or a stop), on its own proxy. */
  restart(i: number): Promise<Replica>;
  stop(): Promise<void>;
}

function viaProxy(target: Target, proxy: TcpProxy): Target {
  const url = new URL(target.env.DATABASE_URL ?? "");
  url.host = `127.0.0.1:${proxy.port}`;
  return { ...target, env: { ...target.env, DATABASE_URL: url.toString() } };
}

/** The first replica migrates and sets up (users, keys, the ledger connector, the missions); the others start together after it. */
export async function startCluster(target: Target, ledger: Ledger, size: number, env: Record<string, string> = {}): Promise<Cluster> {
  const direct = new URL(target.env.DATABASE_URL ?? "");
  const proxies = await Promise.all(
    Array.from({ length: size }, () => startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })),
  );
  const start = (i: number, ledgerUrl?: string) => {
    const proxied = viaProxy(target, proxies[i] as TcpProxy);
    // Smaller pools than the default 10 + 5: two clusters of three may run at once (Vitest runs two
    // files together) on a PostgreSQL whose max_connections (100) other tests share too; the
    // rolling restart saw "sorry, too many clients already" with the defaults.
    return startServer({ ...proxied, env: { STEWARD_DB_POOL_MAX: "6", ...proxied.env, ...env } }, ledgerUrl);
  };
  const first = await start(0, ledger.url);
  if (!first.setup) throw new Error(`the first replica did not set up:\n${first.log.join("")}`);
  const rest = await Promise.all(Array.from({ length: size - 1 }, (_, i) => start(i + 1)));
  const replicas = [first, ...rest].map((server, i) => ({ name: `replica ${i + 1}`, server, proxy: proxies[i] as TcpProxy, live: true }));
  return {
    replicas,
    setup: first.setup,
    async restart(i) {
      const old = replicas[i] as Replica;
      const replica = { ...old, server: await start(i), live: true };
      replicas[i] = replica;
      return replica;
    },
    async stop() {
      for (const r of replicas) {
        r.live = false;
        if (r.server.child.exitCode === null && r.server.child.signalCode === null) {
          r.server.child.kill("SIGKILL");
          await r.server.exited;
        }
      }
      await Promise.all(proxies.map((p) => p.close()));
    },
  };
}

/** Polls /api/ready as a load balancer would, until it answers as wanted; how long that took. */
export async function waitReady(replica: Replica, want: boolean, limitMs: number): Promise<number> {
  const from = Date.now();
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${replica.server.port}/api/ready`).catch(() => undefined);
    if ((res?.status === 200) === want) return Date.now() - from;
    if (Date.now() - from > limitMs) throw new Error(`${replica.name} did not become ${want ? "ready" : "not ready"} within ${limitMs} ms:\n${replica.server.log.join("").slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ClientError {
  /** When the request was sent, and when it failed. */
  sent: number;
  at: number;
  replica: string;
  what: string;
}

/**
 * Clients behind a load balancer: start `runs` payment runs (orders never reused) and decide every
 * approval (80 % approved, seeded), spreading requests round-robin over the live replicas. A
 * request to a replica that the test killed is not an error (a load balancer retries elsewhere);
 * any other failure — a refused or broken connection, a 5xx — is recorded with its time.
 */
export class PaymentLoad {
  /** Runs the API acknowledged, with their order. */
  readonly acknowledged = new Map<string, string>();
  /** Decision id → approve? (the vote is repeated the same way if its answer was lost). */
  readonly votes = new Map<string, boolean>();
  readonly errors: ClientError[] = [];
  attempts = 0;
  private turn = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly runs: number,
    private readonly random: () => number,
  ) {}

  private pick(): Replica | undefined {
    const live = this.cluster.replicas.filter((r) => r.live);
    return live[this.turn++ % Math.max(1, live.length)];
  }

  /** One request; undefined when it failed (recorded unless the replica was taken out meanwhile). */
  private async call<T>(method: string, url: string, key: string, body?: unknown): Promise<{ status: number; body: T } | undefined> {
    const replica = this.pick();
    if (!replica) return undefined;
    const sent = Date.now();
    try {
      const res = await fetch(`http://127.0.0.1:${replica.server.port}${url}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
      const answer = { status: res.status, body: (await res.json().catch(() => null)) as T };
      if (res.status >= 500) this.fail(replica, sent, `${method} ${url}: ${res.status} ${JSON.stringify(answer.body)}`);
      return answer;
    } catch (e) {
      this.fail(replica, sent, `${method} ${url}: ${(e as Error).message}`);
      return undefined;
    }
  }

  private fail(replica: Replica, sent: number, what: string): void {
    if (replica.live) this.errors.push({ sent, at: Date.now(), replica: replica.name, what });
  }

  /** One round: a few starts, then every pending decision. */
  async tick(): Promise<void> {
    const { setup } = this.cluster;
    const starts = this.acknowledged.size < this.runs ? Array.from({ length: Math.min(6, this.runs - this.acknowledged.size) }, () => `order-${++this.attempts}`) : [];
    await Promise.all(
      starts.map(async (orderId) => {
        const r = await this.call<{ runId: string }>("POST", `/api/v1/missions/${setup.missionId}/runs`, setup.builderKey, { orderId });
        if (r?.status === 202) this.acknowledged.set(r.body.runId, orderId);
        else if (r && r.status < 500) throw new Error(`starting a run answered ${r.status}: ${JSON.stringify(r.body)}`);
      }),
    );
    const pending = await this.call<{ decisions: { id: string; canDecide: boolean }[] }>("GET", "/api/v1/decisions?status=pending&limit=200", setup.approverKey);
    if (pending?.status !== 200) return;
    await Promise.all(
      pending.body.decisions
        .filter((d) => d.canDecide)
        .map(async (d) => {
          const approve = this.votes.get(d.id) ?? this.random() < 0.8;
          this.votes.set(d.id, approve);
          const r = await this.call("POST", `/api/v1/decisions/${d.id}`, setup.approverKey, approve ? { approve } : { approve, reason: "not this one" });
          // 409: decided already (the vote landed, its answer did not).
          if (r && r.status < 500 && r.status !== 200 && r.status !== 409) throw new Error(`deciding answered ${r.status}: ${JSON.stringify(r.body)}`);
        }),
    );
  }

  /**
   * Ticks until every run is started and ended (read from the database directly) and `done` (what
   * the test does meanwhile) says so too, or throws after `limitMs`.
   */
  async untilAllEnded(database: Database, limitMs: number, during: (elapsedMs: number) => Promise<void> = async () => {}, done: () => boolean = () => true): Promise<number> {
    const from = Date.now();
    for (;;) {
      await during(Date.now() - from);
      await this.tick();
      if (this.acknowledged.size >= this.runs && done()) {
        const [live] = await database.rows<{ n: number }>(sql`select count(*)::int as n from run where status not in ('succeeded', 'failed', 'cancelled')`);
        if (Number(live?.n) === 0) return Date.now() - from;
      }
      if (Date.now() - from > limitMs) {
        const logs = this.cluster.replicas.map((r) => `${r.name}:\n${r.server.log.join("").slice(-3000)}`).join("\n");
        // What each live run was doing, to tell a lost event, a held lease or a forgotten wait apart.
        const live = await database.rows(
          sql`select r.id, r.status, r.created_at::text,
                     (select json_agg(json_build_object('node', n.node_id, 'status', n.status)) from run_node n where n.run_id = r.id and n.status <> 'succeeded') as nodes,
                     (select json_agg(json_build_object('id', e.id, 'status', e.status,
                        'jobs', (select json_agg(json_build_object('kind', j.kind, 'due', j.run_at::text, 'lease', j.locked_until::text, 'attempt', j.attempt)) from engine_job j where j.run_id = e.id),
                        'waits', (select json_agg(json_build_object('kind', w.kind, 'event', w.event_name, 'expr', w.expr)) from engine_wait w where w.run_id = e.id)))
                      from engine_run e where e.event->'data'->>'runId' = r.id) as engine,
                     (select json_agg(json_build_object('id', d.id, 'status', d.status)) from decision d where d.run_id = r.id) as decisions
              from run r where r.status not in ('succeeded', 'failed', 'cancelled') limit 5`,
        ).catch((e: unknown) => [String(e)]);
        throw new Error(`runs still live after ${limitMs / 1000} s (${this.acknowledged.size} started)\n${JSON.stringify(live, null, 1)}\n${logs}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The longest stretch in which clients kept seeing errors (first to last error, errors < `gapMs` apart). */
  longestErrorWindowMs(gapMs = 5_000): number {
    let longest = 0;
    let start: number | undefined;
    let last = 0;
    for (const e of [...this.errors].sort((a, b) => a.at - b.at)) {
      if (start === undefined || e.at - last > gapMs) start = e.at;
      last = e.at;
      longest = Math.max(longest, last - start);
    }
    return longest;
  }
}

export interface PaymentFigures {
  runs: number;
  approved: number;
  ledgerCalls: number;
  duplicateEffects: number;
  lostDecisions: number;
}

/**
 * What must hold afterwards, however the replicas died: every run ended once and succeeded, every
 * decision was recorded as voted and led where it should, every approved payment was booked once on
 * the ledger (counted there, by order) and no rejected one was, no run is live past its deadline and
 * no engine run is left running. Returns the figures for docs/deployment.md; throws on a violation.
 */
export async function checkPayments(database: Database, ledger: Ledger, load: PaymentLoad): Promise<PaymentFigures> {
  const problems: string[] = [];
  const reports = await checkAllRuns(database);
  for (const r of reports) for (const v of r.violations) problems.push(`run ${r.runId}: ${v}`);
  const ids = new Set(reports.map((r) => r.runId));
  for (const id of load.acknowledged.keys()) if (!ids.has(id)) problems.push(`acknowledged run ${id} is missing`);
  if (reports.length > load.attempts) problems.push(`${reports.length} runs for ${load.attempts} start attempts`);
  for (const r of reports) if (r.status !== "succeeded") problems.push(`run ${r.runId} ended ${r.status}`);

  const rows = await database.rows<{ id: string; order_id: string; decision_id: string; decision: string; verdict: string | null; pay: string }>(
    sql`select r.id, r.input->>'orderId' as order_id, d.id as decision_id, d.status as decision, r.verdict->>'outcome' as verdict, n.status as pay
        from run r join decision d on d.run_id = r.id and d.node_id = 'review' join run_node n on n.run_id = r.id and n.node_id = 'pay'`,
  );
  if (rows.length !== reports.length) problems.push(`${rows.length} runs with a decision of ${reports.length}`);
  let lostDecisions = 0;
  let duplicateEffects = 0;
  let approved = 0;
  for (const r of rows) {
    const vote = load.votes.get(r.decision_id);
    if (vote === undefined || r.decision !== (vote ? "approved" : "rejected")) {
      lostDecisions++;
      problems.push(`run ${r.id}: decision ${r.decision}, voted ${String(vote)}`);
    }
    const booked = ledger.paymentsForOrder(r.order_id);
    if (r.decision === "approved") {
      approved++;
      if (booked > 1) duplicateEffects += booked - 1;
      if (booked !== 1 || r.pay !== "succeeded" || r.verdict !== "paid") problems.push(`run ${r.id} approved: ${booked} payments, pay ${r.pay}, verdict ${r.verdict}`);
    } else if (booked !== 0 || r.pay !== "skipped" || r.verdict !== "denied") {
      duplicateEffects += booked;
      problems.push(`run ${r.id} rejected: ${booked} payments, pay ${r.pay}, verdict ${r.verdict}`);
    }
  }
  if (ledger.calls.some((c) => !c.key)) problems.push("a ledger call carried no idempotency key");
  if (ledger.payments.size !== approved) problems.push(`${ledger.payments.size} payments for ${approved} approved runs`);
  const [late] = await database.rows<{ n: number }>(
    sql`select count(*)::int as n from run where status not in ('succeeded', 'failed', 'cancelled') and deadline_at < now()`,
  );
  if (Number(late?.n) > 0) problems.push(`${late?.n} runs live past their deadline`);
  const [running] = await database.rows<{ n: number }>(
    sql`select count(*)::int as n from engine_run where status = 'running' and fn_id <> 'steward-mission-schedules'`,
  );
  if (Number(running?.n) > 0) problems.push(`${running?.n} engine runs still running`);
  if (problems.length) throw new Error(`${problems.length} violations:\n${problems.slice(0, 40).join("\n")}`);
  return { runs: rows.length, approved, ledgerCalls: ledger.calls.length, duplicateEffects, lostDecisions };
}
