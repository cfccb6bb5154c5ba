import "server-only";
import { createCallerFactory, router } from "./trpc";
import { missionsRouter } from "./routers/missions";
import { usersRouter } from "./routers/users";
import { apiKeysRouter } from "./routers/api-keys";
import { setupRouter } from "./routers/setup";
import { auditRouter } from "./routers/audit";

export const appRouter = router({
  missions: missionsRouter,
  users: usersRouter,
  apiKeys: apiKeysRouter,
  setup: setupRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
