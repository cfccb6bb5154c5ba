import { ShieldAlert, ShieldCheck } from "lucide-react";
import type { AuditVerification } from "@/server/audit/verify";
import { formatWhen } from "./format";

type Failure = Extract<AuditVerification, { ok: false }>;

const sentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;

/** What broke, in a few words: the entry when one is named, else what was removed or forged. */
function headline(r: Failure): string {
  const b = r.firstBad;
  if (b && b.id === r.firstBadId) return `Chain broken at entry #${b.id} — ${b.action}, ${formatWhen(b.at)}`;
  if (r.kind === "forged_anchor") return "Audit anchor forged";
  if (r.kind === "anchor_deleted") return "Audit anchor deleted";
  if (r.firstBadId === null) return "Audit log tampered";
  return r.lastBadId !== null && r.lastBadId !== r.firstBadId ? `Entries #${r.firstBadId}–#${r.lastBadId} removed or changed` : `Entry #${r.firstBadId} removed`;
}

function Notes({ notes, className }: { notes: string[]; className: string }) {
  if (notes.length === 0) return null;
  return (
    <ul className={`mt-1 list-disc space-y-0.5 pl-4 text-xs ${className}`} data-testid="verify-notes">
      {notes.map((n) => (
        <li key={n}>{n}</li>
      ))}
    </ul>
  );
}

export function VerifyResult({ result, error }: { result: AuditVerification | undefined; error: string | null }) {
  if (error || !result) {
    return (
      <div role="alert" data-testid="verify-result" className="mb-4 flex items-start gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
        <ShieldAlert className="mt-0.5 size-5 shrink-0" />
        <div>
          <div className="font-semibold">Could not verify the chain</div>
          <div>{error ?? "No result"}</div>
        </div>
      </div>
    );
  }
  if (result.ok) {
    return (
      <div role="status" data-testid="verify-result" className="mb-4 flex items-start gap-3 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800">
        <ShieldCheck className="mt-0.5 size-5 shrink-0" />
        <div>
          <span className="font-semibold">
            Chain intact — {result.count} {result.count === 1 ? "entry" : "entries"}
          </span>{" "}
          <span className="text-emerald-700">recomputed from the first entry; none was changed or removed.</span>
          {result.anchor ? (
            <div className="mt-0.5 text-emerald-700" data-testid="verify-anchor">
              Signed anchor #{result.anchor.id} vouches for entries #1–#{result.anchor.headId} (taken {formatWhen(result.anchor.at)}).
            </div>
          ) : null}
          <Notes notes={result.notes} className="text-emerald-700" />
        </div>
      </div>
    );
  }
  return (
    <div role="alert" data-testid="verify-result" className="mb-4 flex items-start gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
      <ShieldAlert className="mt-0.5 size-5 shrink-0" />
      <div>
        <div className="font-semibold">{headline(result)}</div>
        <div className="mt-0.5">
          {sentence(result.reason)}
          {result.firstBadId !== null ? ` ${result.verified} ${result.verified === 1 ? "entry" : "entries"} before it verified.` : null}
        </div>
        <Notes notes={result.notes} className="text-red-700" />
      </div>
    </div>
  );
}
