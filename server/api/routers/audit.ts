import "server-only";
import { adminProcedure, router } from "../trpc";
import { auditFacets, auditListSchema, listAudit } from "@/server/audit/query";
import { verifyServerAudit } from "@/server/audit/anchoring";

export const auditRouter = router({
  /** Newest first; pass the previous page's `nextCursor` as `cursor` for older entries. */
  list: adminProcedure.input(auditListSchema).query(({ ctx, input }) => listAudit(ctx.database, input)),
  /** The actions and target types recorded so far, for filter menus. */
  facets: adminProcedure.query(({ ctx }) => auditFacets(ctx.database)),
  /** Recomputes the whole chain and checks its signed anchors; names the first entry changed or removed. */
  verify: adminProcedure.query(({ ctx }) => verifyServerAudit(ctx.database)),
});
