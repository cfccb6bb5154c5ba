import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { PortalForm } from "@/components/portal/portal-form";
import { PortalFrame } from "@/components/portal/portal-frame";
import type { PortalField } from "@/components/portal/form-rules";
import { getDatabase } from "@/server/db/client";
import { findPortal, getBranding } from "@/server/portal";
import { submitPortalForm } from "./actions";

type Params = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  await connection();
  const { slug } = await params;
  const database = await getDatabase();
  const [portal, branding] = await Promise.all([findPortal(database, slug), getBranding(database)]);
  return { title: { absolute: portal ? `${portal.title} · ${branding.name}` : `Page not found · ${branding.name}` } };
}

export default async function PortalPage({ params }: Params) {
  await connection();
  const { slug } = await params;
  const database = await getDatabase();
  const [portal, branding] = await Promise.all([findPortal(database, slug), getBranding(database)]);
  if (!portal) notFound();
  const fields: PortalField[] = portal.fields.map((f) => ({
    name: f.name,
    label: f.label,
    type: f.type,
    required: f.required,
    description: f.description,
    ...(f.maxLength ? { maxLength: f.maxLength } : {}),
  }));
  return (
    <PortalFrame branding={branding}>
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900 sm:text-[28px]" data-testid="portal-title">
        {portal.title}
      </h1>
      {portal.intro ? <p className="mt-2 text-[15px] leading-relaxed text-slate-600">{portal.intro}</p> : null}
      <div className="mt-8">
        <PortalForm fields={fields} action={submitPortalForm.bind(null, portal.slug)} />
      </div>
    </PortalFrame>
  );
}
