import Link from "next/link";
import { Fragment } from "react";
import { ChevronRight } from "lucide-react";

/** The way back from a page under a mission: Missions › the mission › (its test cases). */
export function MissionBreadcrumb({ missionId, missionName, testCases = false }: { missionId: string; missionName: string | undefined; testCases?: boolean }) {
  const trail = [
    { href: "/missions", label: "Missions" },
    { href: `/missions/${missionId}`, label: missionName ?? missionId },
    ...(testCases ? [{ href: `/missions/${missionId}/tests`, label: "Test cases" }] : []),
  ];
  return (
    <nav aria-label="Breadcrumb" className="flex items-center gap-1 text-xs text-slate-500">
      {trail.map((step, i) => (
        <Fragment key={step.href}>
          {i > 0 ? <ChevronRight className="size-3" aria-hidden /> : null}
          <Link href={step.href} className="hover:underline">
            {step.label}
          </Link>
        </Fragment>
      ))}
    </nav>
  );
}
