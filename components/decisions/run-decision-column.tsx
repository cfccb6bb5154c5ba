"use client";

import { useState, type ReactNode } from "react";
import Link from "next/link";
import { ExternalLink, Hourglass, ListTree } from "lucide-react";
import { toast } from "sonner";
import { cn } from "@/components/ui/cn";
import { DecisionPanel } from "./decision-panel";

type Tab = "decision" | "explain";

/**
 * The run page's right-hand column. While a waiting node is selected it holds that node's
 * decision (decide it right beside the graph), with a tab back to the Explain rail; otherwise it is
 * just the rail. The rail stays mounted in both cases so its filters and scroll survive a decision.
 */
export function RunDecisionColumn({ decisionId, nodeLabel, children }: { decisionId: string | null; nodeLabel: string; children: ReactNode }) {
  // The tab belongs to one decision: selecting another waiting node opens on its decision again.
  const [picked, setPicked] = useState<{ decisionId: string | null; tab: Tab }>({ decisionId, tab: "decision" });
  const tab: Tab = picked.decisionId === decisionId ? picked.tab : "decision";
  const choose = (next: Tab) => setPicked({ decisionId, tab: next });

  return (
    <div className="flex h-full min-h-0 flex-col bg-white" data-testid="run-side-column" data-tab={decisionId ? tab : "explain"}>
      {decisionId ? (
        <div className="flex items-center gap-1 border-b border-slate-200 bg-slate-50 px-2 pt-2" role="tablist" aria-label="Beside the graph">
          <TabButton active={tab === "decision"} onClick={() => choose("decision")} testId="side-tab-decision">
            <Hourglass className="size-3.5 text-amber-600" aria-hidden /> Decision
          </TabButton>
          <TabButton active={tab === "explain"} onClick={() => choose("explain")} testId="side-tab-explain">
            <ListTree className="size-3.5" aria-hidden /> Explain
          </TabButton>
          <Link
            href={`/decisions/${decisionId}`}
            className="mb-1.5 ml-auto inline-flex items-center gap-1 rounded px-2 py-1 text-xs font-medium text-slate-600 hover:bg-white hover:text-slate-900"
            title="Open this decision on its own page"
          >
            Full page <ExternalLink className="size-3" aria-hidden />
          </Link>
        </div>
      ) : null}
      {decisionId ? (
        <div className={cn("min-h-0 flex-1 overflow-y-auto bg-slate-50 p-3", tab !== "decision" && "hidden")} role="tabpanel" data-testid="run-decision">
          <p className="mb-2 px-1 text-xs text-slate-600">
            <span className="font-medium text-slate-800">{nodeLabel}</span> is waiting. Decide here and the run carries on.
          </p>
          <DecisionPanel
            key={decisionId}
            decisionId={decisionId}
            compact
            onDecided={(outcome) => (outcome.status === "rejected" ? toast.info(outcome.message) : toast.success(outcome.message))}
          />
        </div>
      ) : null}
      <div className={cn("min-h-0 flex-1", decisionId && tab !== "explain" && "hidden")}>{children}</div>
    </div>
  );
}

function TabButton({ active, onClick, testId, children }: { active: boolean; onClick: () => void; testId: string; children: ReactNode }) {
  return (
    <button
      type="button"
      role="tab"
      aria-selected={active}
      onClick={onClick}
      data-testid={testId}
      className={cn(
        "-mb-px inline-flex items-center gap-1.5 rounded-t-md border px-3 py-1.5 text-sm font-medium",
        active ? "border-slate-200 border-b-white bg-white text-slate-900" : "border-transparent text-slate-600 hover:text-slate-900",
      )}
    >
      {children}
    </button>
  );
}
