import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ESLint } from "eslint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Each layer rule of eslint.layers.mjs, proven to fire: a bad import is planted in a file of the
// layer it breaks (a virtual file for the path rules, real files for a cycle) and linted with the
// project's own config; a good import in the same place lints clean.

const root = import.meta.dirname;
let eslint: ESLint;
/** The same config for virtual files: import/no-cycle needs the file on disk (it is tested on real files below). */
let virtual: ESLint;

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await virtual.lintText(code, { filePath: path.join(root, filePath) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe("layer rules (eslint.layers.mjs)", { timeout: 180_000 }, () => {
  beforeAll(() => {
    eslint = new ESLint({ cwd: root });
    virtual = new ESLint({ cwd: root, overrideConfig: { rules: { "import/no-cycle": "off" } } });
  });

  it("lib/ imports nothing from server/, components/ or app/", async () => {
    expect(await ruleIds("lib/probe.ts", `import { env } from "@/server/env";\nexport const e = env;\n`)).toContain("import/no-restricted-paths");
    expect(await ruleIds("lib/probe.ts", `import { cn } from "@/components/ui/cn";\nexport const c = cn;\n`)).toContain("import/no-restricted-paths");
    expect(await ruleIds("lib/mission/probe.ts", `import { dynamic } from "../../app/api/inngest/route";\nexport const d = dynamic;\n`)).toContain("import/no-restricted-paths");
    expect(await ruleIds("lib/probe.ts", `import { AppError } from "./errors";\nexport const a = AppError;\n`)).toEqual([]);
  });

  it("components/ import server/ only as types", async () => {
    expect(await ruleIds("components/probe.tsx", `import { getDatabase } from "@/server/db/client";\nexport const g = getDatabase;\n`)).toContain(
      "@typescript-eslint/no-restricted-imports",
    );
    expect(await ruleIds("components/run/probe.tsx", `import { env } from "../../server/env";\nexport const e = env;\n`)).toContain(
      "@typescript-eslint/no-restricted-imports",
    );
    expect(await ruleIds("components/probe.tsx", `import type { Database } from "@/server/db/database";\nexport type D = Database;\n`)).toEqual([]);
  });

  it("server/ never imports app/ or components/ (tests may)", async () => {
    expect(await ruleIds("server/runs/probe.ts", `import { dynamic } from "@/app/api/inngest/route";\nexport const d = dynamic;\n`)).toContain("import/no-restricted-paths");
    expect(await ruleIds("server/portal/probe.ts", `import type { PortalField } from "@/components/portal/form-rules";\nexport type P = PortalField;\n`)).toContain(
      "import/no-restricted-paths",
    );
    expect(await ruleIds("server/runs/probe.test.ts", `import { dynamic } from "@/app/api/inngest/route";\nexport const d = dynamic;\n`)).toEqual([]);
  });

  it("only server/engine/inngest/ imports inngest, the engine does not import the adapter, the executor does not import the engine", async () => {
    expect(await ruleIds("server/runs/probe.ts", `import { Inngest } from "inngest";\nexport const i = Inngest;\n`)).toContain("no-restricted-imports");
    expect(await ruleIds("server/boot/probe.ts", `import type { Logger } from "inngest";\nexport type L = Logger;\n`)).toContain("no-restricted-imports");
    expect(await ruleIds("app/api/probe.ts", `import { serve } from "inngest/next";\nexport const s = serve;\n`)).toContain("no-restricted-imports");
    expect(await ruleIds("server/engine/inngest/probe.ts", `import { Inngest } from "inngest";\nexport const i = Inngest;\n`)).toEqual([]);
    expect(await ruleIds("server/engine/nodes/probe.ts", `import { durationMs } from "../inngest/durations";\nexport const d = durationMs;\n`)).toContain(
      "import/no-restricted-paths",
    );
    expect(await ruleIds("server/engine/inngest/matching.ts", `import { publish } from "../state";\nexport const p = publish;\n`)).toContain("import/no-restricted-paths");
    expect(await ruleIds("server/engine/inngest/matching.ts", `import { signatureHeader } from "./signing";\nexport const s = signatureHeader;\n`)).toEqual([]);
  });

  it("decisions and the contracts import nothing of the engine", async () => {
    expect(await ruleIds("server/decisions/probe.ts", `import { getEngineDeps } from "@/server/engine/deps";\nexport const g = getEngineDeps;\n`)).toContain(
      "import/no-restricted-paths",
    );
    expect(await ruleIds("server/contracts/probe.ts", `import { PROGRESS_WINDOW_MS } from "../engine/state";\nexport const p = PROGRESS_WINDOW_MS;\n`)).toContain(
      "import/no-restricted-paths",
    );
    expect(await ruleIds("server/decisions/probe.ts", `import { DECISION_MADE } from "@/server/contracts/events";\nexport const d = DECISION_MADE;\n`)).toEqual([]);
  });

  it("only server/boot/ imports the composition root", async () => {
    const code = `import { engineRuntime } from "@/server/boot/engine-root";\nexport const r = engineRuntime;\n`;
    for (const file of ["server/engine/probe.ts", "server/runs/probe.ts", "app/api/probe.ts", "server/probe.ts", "test/probe.ts"]) {
      expect(await ruleIds(file, code), file).toContain("import/no-restricted-paths");
    }
    expect(await ruleIds("server/boot/probe.ts", code)).toEqual([]);
  });

  describe("no import cycles", () => {
    const dir = path.join(root, "server", `lint-probe-${crypto.randomBytes(4).toString("hex")}`);
    beforeAll(() => {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "a.ts"), `import { b } from "./b";\nexport const a = () => b;\n`);
      // Through a dynamic import too, as the decisions ⇢ engine cycle ran.
      fs.writeFileSync(path.join(dir, "b.ts"), `export const b = async () => (await import("./a")).a;\n`);
      fs.writeFileSync(path.join(dir, "c.ts"), `import type { a } from "./a";\nexport type C = typeof a;\n`);
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a cycle through a dynamic import() is an error; a type-only import is not", async () => {
      const results = await eslint.lintFiles([dir]);
      const byFile = Object.fromEntries(results.map((r) => [path.basename(r.filePath), r.messages.map((m) => m.ruleId)]));
      expect(byFile["a.ts"]).toContain("import/no-cycle");
      expect(byFile["b.ts"]).toContain("import/no-cycle");
      expect(byFile["c.ts"]).toEqual([]);
    });

    it("fails `eslint --max-warnings=0`, the command `npm run lint` runs", () => {
      const res = spawnSync(path.join(root, "node_modules", ".bin", "eslint"), ["--max-warnings=0", path.relative(root, dir)], { cwd: root, encoding: "utf8" });
      expect(res.status).toBe(1);
      expect(res.stdout).toContain("import/no-cycle");
    });
  });
});
