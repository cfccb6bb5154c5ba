"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Wrench } from "lucide-react";
import { toast } from "sonner";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";

/**
 * The missions builders exposed to AI assistants as tools of Steward's MCP server (`/api/mcp`).
 * Exposure is in each mission's published version (reviewed publishing); revoking here stops
 * offering the tool at once, without a new version, until an admin restores it.
 */
export function McpToolsSettings() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const tools = useQuery(trpc.mcpTools.list.queryOptions());
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.mcpTools.list.queryKey() });
  const handlers = (done: string) => ({
    onSuccess: () => {
      toast.success(done);
      void refresh();
    },
    onError: (e: { message: string }) => toast.error(e.message),
  });
  const revoke = useMutation(trpc.mcpTools.revoke.mutationOptions(handlers("Tool revoked: assistants no longer see it")));
  const restore = useMutation(trpc.mcpTools.restore.mutationOptions(handlers("Tool restored")));

  return (
    <>
      <p className="mb-4 text-sm text-slate-600">
        Missions a builder exposed as tools of Steward&apos;s MCP server (<code className="font-mono text-xs">/api/mcp</code>). An assistant calls them with an
        API key and acts as the key&apos;s owner: its runs meet the same approvals, separation of duties and audit as a person&apos;s. Exposing a mission is
        part of its published version; revoke a tool here to stop offering it at once.
      </p>
      {tools.data && tools.data.length === 0 ? (
        <EmptyState icon={<Wrench />} title="No mission is exposed as a tool">
          A builder turns on &ldquo;Expose as a tool&rdquo; on a mission&apos;s trigger; once a second person publishes that version, it is listed here.
        </EmptyState>
      ) : (
        <Card className="divide-y divide-slate-100">
          {(tools.data ?? []).map((t) => (
            <div key={t.missionId} className="flex items-center gap-4 px-5 py-3" data-testid="mcp-tool-row">
              <Wrench className="size-4 text-slate-400" />
              <div className="min-w-0 flex-1">
                <div className="font-medium text-slate-900">
                  <code className="font-mono">{t.name}</code>
                  <span className="text-slate-500"> · </span>
                  <Link href={`/missions/${t.missionId}`} className="text-brand-700 hover:underline">
                    {t.missionName}
                  </Link>
                  <span className="text-xs text-slate-500"> (version {t.versionNumber})</span>
                </div>
                <div className="truncate text-xs text-slate-500">
                  {t.description || "No description"} · inputs: {t.inputs.join(", ") || "none"}
                </div>
                {t.revoked ? (
                  <div className="mt-1 text-xs text-red-700">
                    Revoked {t.revoked.by ? `by ${t.revoked.by} ` : ""}on {new Date(t.revoked.at).toLocaleString()}
                  </div>
                ) : null}
                {t.shadowedBy ? (
                  <div className="mt-1 text-xs text-amber-800">Not offered: the older mission &ldquo;{t.shadowedBy.missionName}&rdquo; has this tool name.</div>
                ) : null}
              </div>
              {t.offered ? <Badge tone="green">Offered</Badge> : t.revoked ? <Badge tone="red">Revoked</Badge> : <Badge tone="amber">Name taken</Badge>}
              {t.revoked ? (
                <Button variant="secondary" size="sm" disabled={restore.isPending} onClick={() => restore.mutate({ missionId: t.missionId })}>
                  Restore
                </Button>
              ) : (
                <Button variant="secondary" size="sm" disabled={revoke.isPending} onClick={() => revoke.mutate({ missionId: t.missionId })}>
                  Revoke
                </Button>
              )}
            </div>
          ))}
        </Card>
      )}
    </>
  );
}
