import { ShieldAlert, ShieldCheck } from "lucide-react";
import type { AuditVerification } from "@/server/audit/verify";
import { formatWhen } from "./format";

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
      <div role="status" data-testid="verify-result" className="mb-4 flex items-center gap-3 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800">
        <ShieldCheck className="size-5 shrink-0" />
        <div>
          <span className="font-semibold">
            Chain intact — {result.count} {result.count === 1 ? "entry" : "entries"}
          </span>{" "}
          <span className="text-emerald-700">recomputed from the first entry; none was changed or removed.</span>
        </div>
      </div>
    );
  }
  const b = result.firstBad;
  return (
    <div role="alert" data-testid="verify-result" className="mb-4 flex items-start gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
      <ShieldAlert className="mt-0.5 size-5 shrink-0" />
      <div>
        <div className="font-semibold">
          Chain broken at entry #{b.id} — {b.action}, {formatWhen(b.at)}
        </div>
        <div className="mt-0.5">
          {result.reason.charAt(0).toUpperCase() + result.reason.slice(1)}. {result.count - 1} {result.count - 1 === 1 ? "entry" : "entries"} before it verified.
        </div>
      </div>
    </div>
  );
}
