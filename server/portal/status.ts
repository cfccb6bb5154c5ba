import "server-only";
import { sql } from "drizzle-orm";
import { outcomeLabelsOf, type MissionGraph } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import type { RunStatus } from "@/server/db/schema";
import { findPortal, PORTAL_SLUG_PATTERN } from "./portals";
import { referenceOf } from "./submit";
import { hashStatusToken, STATUS_TOKEN_PATTERN } from "./tokens";

export type PortalStage = "received" | "under_review" | "decided" | "closed";
export type PortalOutcome = "approved" | "partial" | "declined" | "resolved";

export interface PortalStep {
  key: "received" | "under_review" | "decided";
  label: string;
  state: "done" | "current" | "upcoming";
}

/**
 * What a customer's status page shows, and all it may show: progress in plain words and the
 * decision in customer language. Nothing from inside the run (node names, reasoning, summaries,
 * ids, other requests) is read into it except an approved amount and its currency.
 */
export interface PortalStatusView {
  reference: string;
  title: string;
  submittedAt: string;
  stage: PortalStage;
  steps: PortalStep[];
  headline: string;
  message: string;
  decision: {
    outcome: PortalOutcome;
    label: string;
    amount: { value: number; currency: string | null; formatted: string } | null;
    decidedAt: string | null;
  } | null;
  /** Whether the page should keep refreshing. */
  live: boolean;
}

const OUTCOMES: Record<string, PortalOutcome> = {
  approve: "approved",
  approved: "approved",
  accept: "approved",
  accepted: "approved",
  grant: "approved",
  granted: "approved",
  partial: "partial",
  partially_approved: "partial",
  partial_approval: "partial",
  deny: "declined",
  denied: "declined",
  reject: "declined",
  rejected: "declined",
  decline: "declined",
  declined: "declined",
};

const LABELS: Record<PortalOutcome, string> = { approved: "Approved", partial: "Partly approved", declined: "Not approved", resolved: "Decided" };

function humanise(id: string): string {
  const words = id.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").toLowerCase().trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function formatAmount(value: number, currency: string | null): string {
  if (currency) {
    try {
      return new Intl.NumberFormat("en", { style: "currency", currency, currencyDisplay: "symbol" }).format(value).replace(/\u00a0/g, " ");
    } catch {
      // not an ISO 4217 code: shown as number and text below
    }
  }
  const n = new Intl.NumberFormat("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
  return currency ? `${n} ${currency}` : n;
}

function steps(stage: PortalStage): PortalStep[] {
  const order = ["received", "under_review", "decided"] as const;
  const labels = { received: "Received", under_review: "Under review", decided: "Decided" };
  const at = stage === "closed" ? 1 : order.indexOf(stage);
  return order.map((key, i) => ({ key, label: labels[key], state: i < at || stage === "decided" ? "done" : i === at ? "current" : "upcoming" }));
}

/** The approved amount: from the last approval in the mission that was approved with a numeric `amount`. */
async function approvedAmount(database: Database, runId: string, graph: MissionGraph | undefined): Promise<{ value: number; currency: string | null } | null> {
  const approvals = (graph?.nodes ?? []).filter((n) => n.kind === "approval").map((n) => n.id);
  if (!approvals.length) return null;
  const rows = await database.rows<{ node_id: string; output: unknown }>(
    sql`select node_id, output from run_node where run_id = ${runId} and status = 'succeeded' and node_id in (${sql.join(approvals.map((a) => sql`${a}`), sql`, `)})`,
  );
  const byNode = new Map(rows.map((r) => [r.node_id, r.output]));
  for (const id of [...approvals].reverse()) {
    const out = byNode.get(id) as { approved?: unknown; values?: Record<string, unknown> } | null | undefined;
    const amount = out?.values?.amount;
    if (out?.approved === true && typeof amount === "number" && Number.isFinite(amount)) {
      const currency = out.values?.currency;
      return { value: amount, currency: typeof currency === "string" && /^[A-Za-z]{3}$/.test(currency) ? currency.toUpperCase() : null };
    }
  }
  return null;
}

/** The status of the request behind `token` on portal `slug`, or null when there is none. */
export async function getPortalStatus(database: Database, slug: string, token: string): Promise<PortalStatusView | null> {
  if (!PORTAL_SLUG_PATTERN.test(slug) || !STATUS_TOKEN_PATTERN.test(token)) return null;
  const [s] = await database.rows<{
    id: string;
    run_id: string;
    created_at: string;
    status: RunStatus;
    verdict: { outcome: string } | null;
    ended_at: string | null;
    graph: MissionGraph;
  }>(
    sql`select s.id, s.run_id, s.created_at::text as created_at, r.status, r.verdict, r.ended_at::text as ended_at, v.graph
        from portal_submission s join run r on r.id = s.run_id join mission_version v on v.id = r.version_id
        where s.token_hash = ${hashStatusToken(token)} and s.slug = ${slug}`,
  );
  if (!s) return null;

  const trigger = s.graph?.nodes?.find((n) => n.kind === "trigger");
  const pinnedTitle = trigger?.kind === "trigger" ? trigger.data.portal?.title : undefined;
  const title = pinnedTitle || (await findPortal(database, slug))?.title || "Your request";
  const base = { reference: referenceOf(s.id), title, submittedAt: new Date(s.created_at).toISOString() };

  if (s.status === "queued") {
    return {
      ...base,
      stage: "received",
      steps: steps("received"),
      headline: "We've received your request",
      message: "It's in line to be reviewed. This page updates by itself, so you can keep it open or come back to it later.",
      decision: null,
      live: true,
    };
  }
  if (s.status === "running" || s.status === "waiting") {
    return {
      ...base,
      stage: "under_review",
      steps: steps("under_review"),
      headline: "Your request is under review",
      message: "We're checking it against our policy. A member of our team may look at it before we decide.",
      decision: null,
      live: true,
    };
  }
  if (s.status === "succeeded" && s.verdict?.outcome) {
    const outcome = OUTCOMES[s.verdict.outcome.toLowerCase()] ?? "resolved";
    // An outcome the customer language has no words for reads as the builder labelled it ("auto-approved").
    const named = outcomeLabelsOf(s.graph ?? { nodes: [] }).get(s.verdict.outcome);
    const said = named && named !== s.verdict.outcome ? named : humanise(s.verdict.outcome);
    const amount = outcome === "approved" || outcome === "partial" ? await approvedAmount(database, s.run_id, s.graph) : null;
    const decidedAt = s.ended_at ? new Date(s.ended_at).toISOString() : null;
    const texts: Record<PortalOutcome, [string, string]> = {
      approved: ["Your request has been approved", "Good news: after checking it against our policy, we've approved your request."],
      partial: ["Your request has been partly approved", "After checking it against our policy, we've approved part of what you asked for."],
      declined: [
        "We couldn't approve your request",
        "We reviewed your request carefully against our policy and can't approve it. If you think we've missed something, contact us and quote your reference.",
      ],
      resolved: ["Your request has been decided", `The outcome: ${said}.`],
    };
    const [headline, message] = texts[outcome];
    return {
      ...base,
      stage: "decided",
      steps: steps("decided"),
      headline,
      message,
      decision: {
        outcome,
        label: outcome === "resolved" ? said : LABELS[outcome],
        amount: amount ? { ...amount, formatted: formatAmount(amount.value, amount.currency) } : null,
        decidedAt,
      },
      live: false,
    };
  }
  return {
    ...base,
    stage: "closed",
    steps: steps("closed"),
    headline: "We couldn't finish reviewing your request online",
    message: "Our team will follow up with you. If you don't hear from us within a few days, contact us and quote your reference.",
    decision: null,
    live: false,
  };
}
