import { connection } from "next/server";
import { SearchX } from "lucide-react";
import { PortalFrame } from "@/components/portal/portal-frame";
import { getDatabase } from "@/server/db/client";
import { getBranding } from "@/server/portal";

export default async function PortalNotFound() {
  await connection();
  const branding = await getBranding(await getDatabase());
  return (
    <PortalFrame branding={branding} secureNote={false}>
      <div className="flex flex-col items-center py-6 text-center" data-testid="portal-not-found">
        <span className="grid size-14 place-items-center rounded-full bg-[var(--accent-soft)] text-[var(--accent-ink)]">
          <SearchX className="size-7" aria-hidden />
        </span>
        <h1 className="mt-5 text-2xl font-semibold tracking-tight text-slate-900">We couldn&apos;t find that page</h1>
        <p className="mt-2 max-w-md text-[15px] leading-relaxed text-slate-600">
          The link may be mistyped, or this form is no longer offered. Please check the address, or use the link you were given by {branding.name}.
        </p>
      </div>
    </PortalFrame>
  );
}
