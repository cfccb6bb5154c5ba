import "server-only";
import { adminProcedure, router } from "../trpc";
import { userActor } from "@/server/audit/record";
import { getOrganisation, listPortals, updateOrganisation, updateOrganisationInput } from "@/server/portal";

export const orgRouter = router({
  /** Name, colour and logo shown on portals (the logo's metadata, not its bytes). */
  get: adminProcedure.query(({ ctx }) => getOrganisation(ctx.database)),
  /** Sets name and colour; `logo` is keep (default), none, a same-host url, or an upload (base64). */
  update: adminProcedure.input(updateOrganisationInput).mutation(({ ctx, input }) => updateOrganisation(ctx.database, input, userActor(ctx.user))),
  /** The live portals (/p/{slug}) and the missions behind them. */
  portals: adminProcedure.query(({ ctx }) => listPortals(ctx.database)),
});
