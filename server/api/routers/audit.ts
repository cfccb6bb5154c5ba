import "server-only";
import { adminProcedure, router } from "../trpc";
import { auditFacets, auditListSchema, listAudit } from "@/server/audit/query";
import { verifyAuditChain } from "@/server/audit/verify";

export const auditRouter = router({
  /** Newest first; pass the previous page's `nextCursor` as `cursor` for older entries. */
  list: adminProcedure.input(auditListSchema).query(({ ctx, input }) => listAudit(ctx.database, input)),
  /** The actions and target types recorded so far, for filter menus. */
  facets: adminProcedure.query(({ ctx }) => auditFacets(ctx.database)),
  /** Recomputes the whole chain; names the first tampered entry. */
  verify: adminProcedure.query(({ ctx }) => verifyAuditChain(ctx.database)),
});
