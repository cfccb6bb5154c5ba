import { Library, X } from "lucide-react";
import type { KnowledgeCollection } from "@/server/knowledge";
import { Badge, Card } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { Input, Label, Select } from "@/components/ui/input";

type FormAction = (form: FormData) => Promise<void>;

function missionLabel(id: string, missions: { id: string; name: string }[]): string {
  if (id === "*") return "Every mission";
  return missions.find((m) => m.id === id)?.name ?? id;
}

/**
 * Collections and who may search them: Workers see only the collections granted to their mission.
 * Plain forms posting to server actions, so it works before any script has loaded.
 */
export function CollectionsCard({
  collections,
  missions,
  grant,
  revoke,
  create,
}: {
  collections: KnowledgeCollection[];
  missions: { id: string; name: string }[];
  grant: FormAction;
  revoke: FormAction;
  create: FormAction;
}) {
  return (
    <Card className="p-5" data-testid="knowledge-collections">
      <h2 className="flex items-center gap-2 text-sm font-semibold text-slate-900">
        <Library className="size-4 text-slate-400" aria-hidden /> Collections and access
      </h2>
      <p className="mt-1 text-sm text-slate-600">A Worker searches only the collections granted to its mission; any other is refused with a clear tool error.</p>
      <ul className="mt-4 divide-y divide-slate-100 rounded-md border border-slate-200">
        {collections.map((c) => (
          <li key={c.id} className="px-4 py-3" data-testid="knowledge-collection" data-slug={c.slug}>
            <div className="flex items-baseline justify-between gap-3">
              <div className="text-sm font-medium text-slate-900">
                {c.title} <span className="font-mono text-xs font-normal text-slate-500">{c.slug}</span>
              </div>
              <span className="text-xs text-slate-500">
                {c.documentCount} document{c.documentCount === 1 ? "" : "s"}
              </span>
            </div>
            <div className="mt-2 flex flex-wrap items-center gap-1.5">
              {c.grants.length === 0 ? <span className="text-xs text-slate-500">No mission may search it.</span> : null}
              {c.grants.map((m) => (
                <form key={m} action={revoke} className="inline-flex">
                  <input type="hidden" name="collection" value={c.slug} />
                  <input type="hidden" name="missionId" value={m} />
                  <Badge tone="green" className="gap-1" data-testid="knowledge-grant">
                    {missionLabel(m, missions)}
                    <button type="submit" aria-label={`Revoke ${missionLabel(m, missions)}'s access to ${c.title}`} className="rounded hover:bg-emerald-100">
                      <X className="size-3" aria-hidden />
                    </button>
                  </Badge>
                </form>
              ))}
            </div>
          </li>
        ))}
      </ul>

      <form action={grant} className="mt-4 grid gap-2 sm:grid-cols-[1fr_1fr_auto] sm:items-end" data-testid="knowledge-grant-form">
        <div className="space-y-1">
          <Label htmlFor="grant-collection">Collection</Label>
          <Select id="grant-collection" name="collection" required>
            {collections.map((c) => (
              <option key={c.id} value={c.slug}>
                {c.title}
              </option>
            ))}
          </Select>
        </div>
        <div className="space-y-1">
          <Label htmlFor="grant-mission">Mission</Label>
          <Select id="grant-mission" name="missionId" required>
            {missions.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
            <option value="*">Every mission</option>
          </Select>
        </div>
        <Button type="submit" variant="secondary" data-testid="knowledge-grant-submit">
          Grant
        </Button>
      </form>

      <form action={create} className="mt-4 grid gap-2 border-t border-slate-100 pt-4 sm:grid-cols-[1fr_1fr_auto] sm:items-end" data-testid="knowledge-collection-form">
        <div className="space-y-1">
          <Label htmlFor="collection-title">New collection</Label>
          <Input id="collection-title" name="title" placeholder="e.g. HR handbook" required maxLength={200} />
        </div>
        <div className="space-y-1">
          <Label htmlFor="collection-slug">Slug</Label>
          <Input id="collection-slug" name="slug" placeholder="e.g. hr" required pattern="[a-z0-9][a-z0-9-]{0,59}" title="Lowercase letters, digits or dashes" />
        </div>
        <Button type="submit" variant="secondary" data-testid="knowledge-collection-submit">
          Create
        </Button>
      </form>
    </Card>
  );
}
