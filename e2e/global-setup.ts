import fs from "node:fs";
import path from "node:path";
import { buildForE2E, startServer, ROOT } from "./server";

export default async function globalSetup() {
  buildForE2E();
  const port = Number(process.env.E2E_PORT ?? 3210);
  const server = await startServer({ port });
  fs.mkdirSync(path.join(ROOT, "test-results"), { recursive: true });
  fs.writeFileSync(path.join(ROOT, "test-results", "e2e-server.log"), server.output());
  return async () => {
    await server.stop();
    fs.writeFileSync(path.join(ROOT, "test-results", "e2e-server.log"), server.output());
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  };
}
