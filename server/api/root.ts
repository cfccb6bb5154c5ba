import "server-only";
import { createCallerFactory, router } from "./trpc";
import { missionsRouter } from "./routers/missions";
import { usersRouter } from "./routers/users";
import { apiKeysRouter } from "./routers/api-keys";
import { setupRouter } from "./routers/setup";
import { auditRouter } from "./routers/audit";
import { connectorsRouter } from "./routers/connectors";
import { modelsRouter } from "./routers/models";
import { knowledgeRouter } from "./routers/knowledge";
import { orgRouter } from "./routers/org";
import { runsRouter } from "./routers/runs";
import { observationsRouter } from "./routers/observations";
import { decisionsRouter } from "./routers/decisions";
import { policiesRouter } from "./routers/policies";
import { triggersRouter } from "./routers/triggers";
import { mcpToolsRouter } from "./routers/mcp-tools";
import { testCasesRouter } from "./routers/test-cases";
import { modelComparisonsRouter } from "./routers/model-comparisons";

export const appRouter = router({
  missions: missionsRouter,
  users: usersRouter,
  apiKeys: apiKeysRouter,
  setup: setupRouter,
  audit: auditRouter,
  connectors: connectorsRouter,
  models: modelsRouter,
  knowledge: knowledgeRouter,
  org: orgRouter,
  runs: runsRouter,
  observations: observationsRouter,
  decisions: decisionsRouter,
  policies: policiesRouter,
  triggers: triggersRouter,
  mcpTools: mcpToolsRouter,
  testCases: testCasesRouter,
  modelComparisons: modelComparisonsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
