import "server-only";
import { sql } from "drizzle-orm";
import { missionGraphSchema, type InputField } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";

export const PORTAL_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** A mission offered on the portal: what the public form is generated from. */
export interface PortalDefinition {
  slug: string;
  missionId: string;
  versionId: string;
  title: string;
  intro: string;
  fields: InputField[];
}

interface Row {
  mission_id: string;
  mission_name: string;
  version_id: string;
  graph: unknown;
}

function definition(slug: string, r: Row): PortalDefinition | null {
  const parsed = missionGraphSchema.safeParse(r.graph);
  if (!parsed.success) return null;
  const trigger = parsed.data.nodes.find((n) => n.kind === "trigger");
  if (!trigger || trigger.kind !== "trigger" || !trigger.data.channels.includes("portal") || trigger.data.portal?.slug !== slug) return null;
  return {
    slug,
    missionId: r.mission_id,
    versionId: r.version_id,
    title: trigger.data.portal.title || r.mission_name,
    intro: trigger.data.portal.intro,
    fields: trigger.data.fields,
  };
}

// The published version of each mission that is not archived, whose trigger offers the portal.
const LIVE = sql`
  select m.id as mission_id, m.name as mission_name, v.id as version_id, v.graph,
         t.node->'data'->'portal'->>'slug' as slug, coalesce(t.node->'data'->'portal'->>'title', '') as title
  from mission m
  join mission_version v on v.mission_id = m.id and v.number = m.published_version
  cross join lateral (
    select n as node from jsonb_array_elements(v.graph->'nodes') n
    where n->>'kind' = 'trigger' and n->'data'->'channels' @> '["portal"]'::jsonb and n->'data'->'portal'->>'slug' is not null
    limit 1
  ) t
  where m.archived_at is null`;

/**
 * The portal at `slug`, or null. Should two missions claim one slug, the older mission keeps it,
 * so a new mission cannot take over a live portal.
 */
export async function findPortal(database: Database, slug: string): Promise<PortalDefinition | null> {
  if (!PORTAL_SLUG_PATTERN.test(slug)) return null;
  const [r] = await database.rows<Row>(sql`select * from (${LIVE}) live where slug = ${slug} order by (select created_at from mission where id = live.mission_id), mission_id limit 1`);
  return r ? definition(slug, r) : null;
}

/** Every live portal, for settings pages. */
export async function listPortals(database: Database): Promise<{ slug: string; title: string; missionId: string; missionName: string }[]> {
  const rows = await database.rows<{ slug: string; title: string; mission_id: string; mission_name: string }>(
    sql`select distinct on (slug) slug, title, mission_id, mission_name from (${LIVE}) live
        order by slug, (select created_at from mission where id = live.mission_id), mission_id`,
  );
  return rows.map((r) => ({ slug: r.slug, title: r.title || r.mission_name, missionId: r.mission_id, missionName: r.mission_name }));
}
