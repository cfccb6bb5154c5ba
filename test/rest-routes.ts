import type { Role } from "@/lib/mission/schema";
import * as missions from "@/app/api/v1/missions/route";
import * as mission from "@/app/api/v1/missions/[id]/route";
import * as versions from "@/app/api/v1/missions/[id]/versions/route";
import * as publishVersion from "@/app/api/v1/missions/[id]/versions/[number]/publish/route";
import * as rejectVersion from "@/app/api/v1/missions/[id]/versions/[number]/reject/route";
import * as exporter from "@/app/api/v1/missions/[id]/export/route";
import * as auditExport from "@/app/api/v1/audit/route";
import * as runAudit from "@/app/api/v1/runs/[id]/audit/route";
import * as connectors from "@/app/api/v1/connectors/route";
import * as missionRuns from "@/app/api/v1/missions/[id]/runs/route";
import * as missionTestRuns from "@/app/api/v1/missions/[id]/test-runs/route";
import * as testRunGet from "@/app/api/v1/test-runs/[id]/route";
import * as runGet from "@/app/api/v1/runs/[id]/route";
import * as runCancel from "@/app/api/v1/runs/[id]/cancel/route";
import * as runValues from "@/app/api/v1/runs/[id]/values/route";
import * as connectorTest from "@/app/api/v1/connectors/[id]/test/route";
import * as connector from "@/app/api/v1/connectors/[id]/route";
import * as connectorRefresh from "@/app/api/v1/connectors/[id]/refresh/route";
import * as connectorApprove from "@/app/api/v1/connectors/[id]/approve/route";
import * as decisions from "@/app/api/v1/decisions/route";
import * as decision from "@/app/api/v1/decisions/[id]/route";
import * as policies from "@/app/api/v1/policies/route";
import * as policy from "@/app/api/v1/policies/[id]/route";
import * as editorMission from "@/app/api/editor/missions/[id]/route";

export type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** Every REST route and the role it needs ("signed-in" = any role; a list = any of them). */
export const REST_ACCESS: { method: string; path: string; handler: Handler; rule: "signed-in" | Role | Role[]; body?: unknown }[] = [
  { method: "GET", path: "/api/v1/missions", handler: missions.GET, rule: "signed-in" },
  { method: "POST", path: "/api/v1/missions", handler: missions.POST, rule: "builder", body: { name: "" } },
  { method: "GET", path: "/api/v1/missions/x", handler: mission.GET, rule: "signed-in" },
  { method: "GET", path: "/api/v1/missions/x/versions", handler: versions.GET, rule: "signed-in" },
  { method: "POST", path: "/api/v1/missions/x/versions", handler: versions.POST, rule: "builder", body: {} },
  { method: "POST", path: "/api/v1/missions/x/versions/1/publish", handler: publishVersion.POST, rule: ["builder", "approver", "admin"], body: {} },
  { method: "POST", path: "/api/v1/missions/x/versions/1/reject", handler: rejectVersion.POST, rule: ["approver", "admin"], body: { note: "no" } },
  { method: "GET", path: "/api/v1/missions/x/export", handler: exporter.GET, rule: "signed-in" },
  { method: "GET", path: "/api/v1/audit", handler: auditExport.GET, rule: "admin" },
  { method: "GET", path: "/api/v1/runs/x/audit", handler: runAudit.GET, rule: "signed-in" },
  { method: "GET", path: "/api/v1/connectors", handler: connectors.GET, rule: "admin" },
  { method: "GET", path: "/api/v1/decisions", handler: decisions.GET, rule: "signed-in" },
  { method: "GET", path: "/api/v1/decisions/x", handler: decision.GET, rule: "signed-in" },
  { method: "POST", path: "/api/v1/decisions/x", handler: decision.POST, rule: "signed-in", body: { approve: true } },
  { method: "POST", path: "/api/v1/missions/x/runs", handler: missionRuns.POST, rule: "builder", body: {} },
  { method: "GET", path: "/api/v1/missions/x/runs", handler: missionRuns.GET, rule: "signed-in" },
  { method: "POST", path: "/api/v1/missions/x/test-runs", handler: missionTestRuns.POST, rule: "builder", body: {} },
  { method: "GET", path: "/api/v1/missions/x/test-runs", handler: missionTestRuns.GET, rule: "signed-in" },
  { method: "GET", path: "/api/v1/test-runs/x", handler: testRunGet.GET, rule: "signed-in" },
  { method: "GET", path: "/api/v1/runs/x", handler: runGet.GET, rule: "signed-in" },
  { method: "GET", path: "/api/v1/runs/x/values", handler: runValues.GET, rule: "signed-in" },
  { method: "POST", path: "/api/v1/runs/x/cancel", handler: runCancel.POST, rule: "builder" },
  { method: "POST", path: "/api/v1/connectors", handler: connectors.POST, rule: "admin", body: { name: "" } },
  { method: "POST", path: "/api/v1/connectors/x/test", handler: connectorTest.POST, rule: "admin" },
  { method: "GET", path: "/api/v1/connectors/x", handler: connector.GET, rule: "admin" },
  { method: "POST", path: "/api/v1/connectors/x/refresh", handler: connectorRefresh.POST, rule: "admin" },
  { method: "POST", path: "/api/v1/connectors/x/approve", handler: connectorApprove.POST, rule: "admin", body: { tools: [] } },
  { method: "GET", path: "/api/v1/policies", handler: policies.GET, rule: "signed-in" },
  { method: "POST", path: "/api/v1/policies", handler: policies.POST, rule: "admin", body: { name: "" } },
  { method: "GET", path: "/api/v1/policies/x", handler: policy.GET, rule: "signed-in" },
  { method: "PUT", path: "/api/v1/policies/x", handler: policy.PUT, rule: "admin", body: { name: "" } },
  { method: "DELETE", path: "/api/v1/policies/x", handler: policy.DELETE, rule: "admin" },
];

/** Routes the app's own pages read, outside the public API (not in its OpenAPI document). */
export const INTERNAL_REST_ACCESS: typeof REST_ACCESS = [{ method: "GET", path: "/api/editor/missions/x", handler: editorMission.GET, rule: "signed-in" }];
