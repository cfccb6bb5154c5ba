import "server-only";
import { createCallerFactory, router } from "./trpc";
import { missionsRouter } from "./routers/missions";
import { usersRouter } from "./routers/users";
import { apiKeysRouter } from "./routers/api-keys";
import { setupRouter } from "./routers/setup";

export const appRouter = router({
  missions: missionsRouter,
  users: usersRouter,
  apiKeys: apiKeysRouter,
  setup: setupRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
