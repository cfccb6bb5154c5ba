"use client";

import type { ReactNode } from "react";
import { ArrowUpRight, CheckCircle2, Clock3, Landmark, MessageSquareText, ShieldCheck, UserCheck, Users, XCircle } from "lucide-react";
import { approvalProgress, durationWords } from "@/lib/decisions/rules";
import { cn } from "@/components/ui/cn";
import { dueIn, when } from "./format";
import type { DecisionDetailData as DecisionDetail } from "./trpc";

function Row({ icon, label, children, testId }: { icon: ReactNode; label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="flex gap-3 py-2.5" data-testid={testId}>
      <span className="mt-0.5 text-slate-400 [&_svg]:size-4">{icon}</span>
      <div className="min-w-0 flex-1">
        <div className="text-[11px] font-semibold uppercase tracking-wide text-slate-500">{label}</div>
        <div className="mt-0.5 text-sm text-slate-800">{children}</div>
      </div>
    </div>
  );
}

/**
 * The rules in force in words: who decides, how many, who may not, which admin policies apply and
 * what they changed, the bounds on the values, and what happens at the due time.
 */
export function DecisionRules({ detail, now }: { detail: DecisionDetail; now: number }) {
  const { rules, decision: d, people } = detail;
  const name = (id: string | null) => (id ? (people[id]?.name ?? id) : null);
  const due = d.status === "pending" ? dueIn(rules.dueAt, now) : null;
  const requester = name(d.requestedBy);
  const author = name(d.versionAuthor);

  return (
    <div className="divide-y divide-slate-100" data-testid="decision-rules">
      <Row icon={<UserCheck />} label="Who decides">
        The <span className="font-medium">{rules.approverRole}</span> role{rules.approverRole !== "admin" ? " (or an admin)" : ""}
        {rules.escalated ? (
          <span className="ml-2 inline-flex items-center gap-1 rounded-full bg-orange-50 px-2 py-0.5 text-xs font-medium text-orange-800 ring-1 ring-inset ring-orange-200" data-testid="decision-escalated">
            <ArrowUpRight className="size-3" /> escalated
          </span>
        ) : null}
      </Row>
      <Row icon={<Users />} label="Approvals" testId="decision-approvals">
        {rules.requiredApprovals === 1 ? (
          <span>{d.status === "pending" ? "One approval decides it" : approvalProgress(rules.approvals, 1)}</span>
        ) : (
          <div className="flex items-center gap-2">
            <span className="flex gap-1" aria-hidden>
              {Array.from({ length: rules.requiredApprovals }, (_, i) => (
                <span key={i} className={cn("h-2 w-6 rounded-full", i < rules.approvals ? "bg-emerald-500" : "bg-slate-200")} />
              ))}
            </span>
            <span className="font-medium">{approvalProgress(rules.approvals, rules.requiredApprovals)}</span>
          </div>
        )}
        {rules.requiredApprovals > 1 ? <p className="mt-0.5 text-xs text-slate-500">Four-eyes: {rules.requiredApprovals} different approvers must approve; one rejection rejects it.</p> : null}
        {d.votes.length ? (
          <ul className="mt-1.5 space-y-1">
            {d.votes.map((v) => (
              <li key={v.userId} className="flex flex-wrap items-center gap-x-1.5 text-xs text-slate-700" data-testid="decision-vote">
                {v.approve ? <CheckCircle2 className="size-3.5 text-emerald-600" /> : <XCircle className="size-3.5 text-red-600" />}
                <span className="font-medium">{name(v.userId)}</span> {v.approve ? "approved" : "rejected"}
                <span className="text-slate-400">· {when(v.at, now)}</span>
                {v.values && Object.keys(v.values).length ? <span className="text-amber-700">· changed {Object.keys(v.values).join(", ")}</span> : null}
              </li>
            ))}
          </ul>
        ) : null}
      </Row>
      <Row icon={<ShieldCheck />} label="Separation of duties" testId="decision-sod">
        {rules.separationOfDuties ? (
          <>
            On: {requester ? <span className="font-medium">{requester}</span> : "whoever started the run"}
            {author && author === requester ? " (started the run and saved this version)" : " (started the run)"}
            {author && author !== requester ? (
              <>
                {" "}
                and <span className="font-medium">{author}</span> (saved this version)
              </>
            ) : null}{" "}
            cannot approve.
          </>
        ) : (
          <span className="text-slate-600">Off{requester ? ` · started by ${requester}` : ""}</span>
        )}
      </Row>
      <Row icon={<MessageSquareText />} label="Reason">
        {rules.reasonRequired ? "Required to reject, optional to approve" : "Optional"}
      </Row>
      {rules.policies.length ? (
        <Row icon={<Landmark />} label="Policies" testId="decision-policies">
          <ul className="space-y-0.5">
            {rules.policies.map((p) => (
              <li key={p.id}>
                <span className="font-medium">{p.name}</span> <span className="text-slate-500">· {p.because}</span>
              </li>
            ))}
          </ul>
          {rules.tightened.length ? (
            <ul className="mt-1 space-y-0.5 text-xs text-violet-800" aria-label="What the policies changed">
              {rules.tightened.map((t) => (
                <li key={t}>{t}</li>
              ))}
            </ul>
          ) : null}
          {rules.valueChecks.length ? (
            <ul className="mt-1 space-y-0.5 text-xs" aria-label="Bounds on the values">
              {rules.valueChecks.map((c) => (
                <li key={c.text} className={c.state === "holds" ? "text-slate-600" : c.action === "refuse" ? "font-medium text-red-700" : "font-medium text-amber-800"}>
                  {c.state === "holds" ? "✓ " : "! "}
                  {c.text}
                </li>
              ))}
            </ul>
          ) : null}
        </Row>
      ) : null}
      <Row icon={<Clock3 />} label={d.status === "pending" ? "Due" : "Was due"} testId="decision-due">
        {rules.dueAt ? (
          <>
            <span className={cn("font-medium", due?.overdue ? "text-red-700" : due?.soon ? "text-amber-800" : "")}>{when(rules.dueAt, now)}</span>
            {due ? <span className="text-slate-500"> · {due.text}</span> : null}
            {rules.timeout ? <span className="text-slate-500"> · {durationWords(rules.timeout)} to decide</span> : null}
          </>
        ) : (
          "No deadline"
        )}
        {d.status === "pending" ? <p className="mt-0.5 text-xs text-slate-600">If nobody decides in time, {rules.atExpiry}.</p> : null}
      </Row>
    </div>
  );
}
