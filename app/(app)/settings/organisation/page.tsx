import type { Metadata } from "next";
import { connection } from "next/server";
import { ExternalLink, Globe } from "lucide-react";
import { OrganisationForm, type OrganisationFormValues } from "@/components/portal/organisation-form";
import { Card } from "@/components/ui/card";
import { getDatabase } from "@/server/db/client";
import { getBranding, getOrganisation, listPortals } from "@/server/portal";
import { saveOrganisation } from "./actions";

export const metadata: Metadata = { title: "Organisation" };

export default async function OrganisationSettingsPage() {
  await connection();
  const database = await getDatabase();
  const [org, branding, portals] = await Promise.all([getOrganisation(database), getBranding(database), listPortals(database)]);
  const initial: OrganisationFormValues = {
    name: org.configured ? org.name : "",
    colour: org.colour,
    logo: org.logo?.kind === "upload" && branding.logoSrc ? { kind: "upload", src: branding.logoSrc } : org.logo?.kind === "url" ? { kind: "url", url: org.logo.url } : null,
  };
  return (
    <div className="space-y-6">
      <p className="max-w-3xl text-sm text-slate-600">How your organisation appears to customers on public portal pages: its name, logo and colour.</p>
      <Card className="p-6">
        <OrganisationForm initial={initial} action={saveOrganisation} />
      </Card>
      <Card className="p-6">
        <h2 className="flex items-center gap-2 text-sm font-semibold text-slate-900">
          <Globe className="size-4 text-slate-400" aria-hidden /> Public portals
        </h2>
        <p className="mt-1 text-sm text-slate-600">Missions whose trigger allows the portal channel get a public form. Share these links with customers.</p>
        {portals.length ? (
          <ul className="mt-3 divide-y divide-slate-100 rounded-md border border-slate-200" data-testid="org-portals">
            {portals.map((p) => (
              <li key={p.slug} className="flex items-center justify-between gap-3 px-4 py-2.5 text-sm">
                <div>
                  <div className="font-medium text-slate-900">{p.title}</div>
                  <div className="text-xs text-slate-500">{p.missionName}</div>
                </div>
                <a href={`/p/${p.slug}`} target="_blank" rel="noreferrer" className="inline-flex items-center gap-1 font-mono text-xs text-brand-700 hover:underline">
                  /p/{p.slug} <ExternalLink className="size-3.5" aria-hidden />
                </a>
              </li>
            ))}
          </ul>
        ) : (
          <p className="mt-3 text-sm text-slate-500">No mission offers a portal yet: turn on the Portal channel on a mission&apos;s trigger and save a version.</p>
        )}
      </Card>
    </div>
  );
}
