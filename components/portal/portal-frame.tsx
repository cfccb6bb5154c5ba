import type { ReactNode } from "react";
import { ShieldCheck } from "lucide-react";
import { accentStyle, foregroundOn } from "./brand";

export interface PortalBranding {
  name: string;
  colour: string;
  logoSrc: string | null;
}

function Monogram({ name }: { name: string }) {
  const letters = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase())
    .join("");
  return <span className="grid size-10 place-items-center rounded-xl bg-white/15 text-base font-semibold ring-1 ring-white/30">{letters || "•"}</span>;
}

/** The organisation's public page: its name, logo and colour around a card. */
export function PortalFrame({ branding, children, secureNote = true }: { branding: PortalBranding; children: ReactNode; secureNote?: boolean }) {
  const fg = foregroundOn(branding.colour);
  return (
    <div className="min-h-screen bg-[#f5f6f8] text-slate-900" style={accentStyle(branding.colour)} data-testid="portal">
      <div className="relative bg-[var(--accent)] pb-28 text-[var(--accent-fg)]">
        <div className="pointer-events-none absolute inset-0 bg-[radial-gradient(circle_at_85%_0%,rgba(255,255,255,0.18),transparent_45%)]" />
        <header className="relative mx-auto flex max-w-2xl items-center gap-3 px-5 pt-8 sm:px-6">
          {branding.logoSrc ? (
            // eslint-disable-next-line @next/next/no-img-element -- a same-host logo of any size and type, including SVG
            <img src={branding.logoSrc} alt="" className="size-10 rounded-xl bg-white/10 object-contain" />
          ) : (
            <Monogram name={branding.name} />
          )}
          <span className="text-lg font-semibold tracking-tight" data-testid="portal-org-name" style={{ color: fg }}>
            {branding.name}
          </span>
        </header>
      </div>
      <main className="relative mx-auto -mt-20 max-w-2xl px-5 pb-16 sm:px-6">
        <div className="rounded-2xl bg-white p-6 shadow-[0_1px_2px_rgba(15,23,42,0.06),0_12px_32px_-12px_rgba(15,23,42,0.18)] ring-1 ring-slate-900/5 sm:p-9">{children}</div>
        <footer className="mt-6 flex flex-col items-center gap-1 text-center text-xs text-slate-500">
          {secureNote ? (
            <span className="inline-flex items-center gap-1.5">
              <ShieldCheck className="size-3.5" aria-hidden />
              Your details are sent securely and used only to handle your request.
            </span>
          ) : null}
          <span className="text-slate-400">{branding.name} · powered by Steward</span>
        </footer>
      </main>
    </div>
  );
}
