import fs from "node:fs";
import path from "node:path";
import { buildForE2E, serverLogPath, startServer, ROOT } from "./server";

export default async function globalSetup() {
  buildForE2E();
  const port = Number(process.env.E2E_PORT ?? 3210);
  const server = await startServer({ port });
  fs.mkdirSync(path.join(ROOT, "test-results"), { recursive: true });
  fs.writeFileSync(serverLogPath(port), server.output());
  return async () => {
    await server.stop();
    fs.writeFileSync(serverLogPath(port), server.output());
    fs.rmSync(server.dataDir, { recursive: true, force: true });
    // The audit anchor file lives beside the data dir (STEWARD_AUDIT_ANCHOR's default).
    fs.rmSync(`${server.dataDir}-audit-anchors.jsonl`, { force: true });
  };
}
