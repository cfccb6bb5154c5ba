"use client";

import { useEffect, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { cn } from "@/components/ui/cn";
import { useDecisionsTrpc } from "./trpc";

const POLL_MS = 5_000;

/** The live count beside "Decisions" in the top navigation: pending decisions the user can act on now. */
export function PendingBadge() {
  const trpc = useDecisionsTrpc();
  const q = useQuery({ ...trpc.decisions.pendingCount.queryOptions(), refetchInterval: POLL_MS, refetchIntervalInBackground: false, staleTime: 0 });
  const count = q.data?.count ?? 0;
  const last = useRef(count);
  const [bumped, setBumped] = useState(false);

  // A new decision arriving makes the badge pulse once, so it is noticed without a popup.
  useEffect(() => {
    if (count > last.current) {
      setBumped(true);
      const t = setTimeout(() => setBumped(false), 1_600);
      last.current = count;
      return () => clearTimeout(t);
    }
    last.current = count;
  }, [count]);

  if (!count) return null;
  return (
    <span
      className={cn(
        "ml-0.5 inline-flex h-5 min-w-5 items-center justify-center rounded-full bg-amber-500 px-1.5 text-[11px] font-semibold tabular-nums leading-none text-white shadow-sm ring-2 ring-white",
        bumped && "animate-pulse",
      )}
      data-testid="decisions-badge"
      aria-label={`${count} decision${count === 1 ? "" : "s"} waiting for you`}
      title={`${count} decision${count === 1 ? "" : "s"} waiting for you`}
    >
      {count > 99 ? "99+" : count}
    </span>
  );
}
