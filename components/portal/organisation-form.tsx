"use client";

import { startTransition, useActionState, useEffect, useState } from "react";
import { CheckCircle2, ImageIcon, Loader2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { FieldError, Input, Label } from "@/components/ui/input";
import { accentStyle, foregroundOn } from "./brand";

export interface OrganisationFormState {
  status: "idle" | "saved" | "error";
  message: string | null;
  /** By field: name, colour, logo. */
  problems: Record<string, string>;
}

export const EMPTY_ORGANISATION_FORM: OrganisationFormState = { status: "idle", message: null, problems: {} };

export interface OrganisationFormValues {
  name: string;
  colour: string;
  logo: { kind: "upload"; src: string } | { kind: "url"; url: string } | null;
}

const MAX_LOGO_BYTES = 256 * 1024;
const HEX = /^#[0-9a-fA-F]{6}$/;

/** Name, colour and logo for portals, with a live preview of the portal's header. */
export function OrganisationForm({
  initial,
  action,
}: {
  initial: OrganisationFormValues;
  action: (prev: OrganisationFormState, form: FormData) => Promise<OrganisationFormState>;
}) {
  const [state, formAction, pending] = useActionState(action, EMPTY_ORGANISATION_FORM);
  const [name, setName] = useState(initial.name);
  const [colour, setColour] = useState(initial.colour);
  const [mode, setMode] = useState<"upload" | "url" | "none">(initial.logo?.kind ?? "none");
  const [url, setUrl] = useState(initial.logo?.kind === "url" ? initial.logo.url : "");
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);

  useEffect(() => () => void (preview && URL.revokeObjectURL(preview)), [preview]);

  const validColour = HEX.test(colour) ? colour : initial.colour;
  const logoSrc = mode === "upload" ? (preview ?? (initial.logo?.kind === "upload" ? initial.logo.src : null)) : mode === "url" && url.startsWith("/") ? url : null;
  const problem = (f: string) => state.problems[f] ?? null;

  return (
    <form
      className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_360px]"
      onSubmit={(e) => {
        // Sent by hand so a refused form keeps its values (a form action would reset them).
        e.preventDefault();
        if (fileError) return;
        const data = new FormData(e.currentTarget);
        startTransition(() => formAction(data));
      }}
      data-testid="organisation-form"
    >
      <div className="space-y-5">
        <div className="space-y-1.5">
          <Label htmlFor="org-name">Organisation name</Label>
          <Input id="org-name" name="name" value={name} onChange={(e) => setName(e.target.value)} maxLength={120} aria-invalid={!!problem("name")} data-testid="org-name" />
          <FieldError>{problem("name")}</FieldError>
        </div>

        <div className="space-y-1.5">
          <Label htmlFor="org-colour">Brand colour</Label>
          <div className="flex items-center gap-2">
            <input
              type="color"
              aria-label="Pick a colour"
              value={validColour}
              onChange={(e) => setColour(e.target.value)}
              className="h-9 w-12 cursor-pointer rounded-md border border-slate-300 bg-white p-1"
            />
            <Input id="org-colour" name="colour" value={colour} onChange={(e) => setColour(e.target.value)} className="w-32 font-mono" aria-invalid={!!problem("colour")} data-testid="org-colour" />
          </div>
          <FieldError>{problem("colour") ?? (HEX.test(colour) ? null : "Use a colour like #1f5f4a.")}</FieldError>
        </div>

        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">Logo</legend>
          <input type="hidden" name="logoMode" value={mode} />
          <div className="inline-grid grid-cols-3 rounded-lg bg-slate-100 p-1 text-sm font-medium">
            {(
              [
                ["upload", "Upload"],
                ["url", "Path on this site"],
                ["none", "None"],
              ] as const
            ).map(([m, label]) => (
              <button
                key={m}
                type="button"
                onClick={() => setMode(m)}
                aria-pressed={mode === m}
                className={cn("rounded-md px-3 py-1.5 transition-colors", mode === m ? "bg-white text-slate-900 shadow-sm" : "text-slate-600 hover:text-slate-900")}
              >
                {label}
              </button>
            ))}
          </div>
          {mode === "upload" ? (
            <div className="space-y-1">
              <input
                type="file"
                name="logoFile"
                accept="image/png,image/jpeg,image/gif,image/webp,image/svg+xml"
                onChange={(e) => {
                  const f = e.target.files?.[0] ?? null;
                  setFile(f);
                  setPreview(f ? URL.createObjectURL(f) : null);
                  setFileError(f && f.size > MAX_LOGO_BYTES ? `This image is ${Math.ceil(f.size / 1024)} KB; logos may be at most 256 KB.` : null);
                }}
                className="block text-sm text-slate-600 file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-200"
                data-testid="org-logo-file"
              />
              <p className="text-xs text-slate-500">PNG, JPEG, GIF, WebP or SVG, at most 256 KB. {initial.logo?.kind === "upload" && !file ? "Leave empty to keep the current logo." : ""}</p>
            </div>
          ) : null}
          {mode === "url" ? (
            <Input name="logoUrl" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="/brand/logo.svg" className="font-mono" aria-label="Logo path" />
          ) : null}
          <FieldError>{fileError ?? problem("logo")}</FieldError>
        </fieldset>

        <div className="flex items-center gap-3">
          <Button type="submit" disabled={pending || !!fileError} data-testid="org-save">
            {pending ? <Loader2 className="animate-spin" /> : null}
            Save
          </Button>
          {state.status === "saved" && !pending ? (
            <span className="inline-flex items-center gap-1.5 text-sm text-emerald-700" role="status" data-testid="org-saved">
              <CheckCircle2 className="size-4" aria-hidden /> Saved
            </span>
          ) : null}
          {state.message ? (
            <span className="text-sm text-red-600" role="alert">
              {state.message}
            </span>
          ) : null}
        </div>
      </div>

      <div>
        <div className="mb-2 text-xs font-medium uppercase tracking-wide text-slate-500">Preview</div>
        <div className="overflow-hidden rounded-xl border border-slate-200 bg-[#f5f6f8] shadow-sm" style={accentStyle(validColour)}>
          <div className="flex items-center gap-2.5 bg-[var(--accent)] px-4 pb-10 pt-4">
            {logoSrc ? (
              // eslint-disable-next-line @next/next/no-img-element -- a preview of any same-host or local image
              <img src={logoSrc} alt="" className="size-8 rounded-lg object-contain" />
            ) : (
              <span className="grid size-8 place-items-center rounded-lg bg-white/15 text-[var(--accent-fg)]">
                <ImageIcon className="size-4" aria-hidden />
              </span>
            )}
            <span className="truncate font-semibold" style={{ color: foregroundOn(validColour) }}>
              {name || "Your organisation"}
            </span>
          </div>
          <div className="-mt-6 px-4 pb-4">
            <div className="space-y-2 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-900/5">
              <div className="h-3 w-32 rounded bg-slate-200" />
              <div className="h-2 w-48 rounded bg-slate-100" />
              <div className="h-7 rounded-md border border-slate-200" />
              <div className="grid h-8 place-items-center rounded-md bg-[var(--accent)] text-xs font-semibold text-[var(--accent-fg)]">Send request</div>
            </div>
          </div>
        </div>
      </div>
    </form>
  );
}
