import { spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");

/**
 * Runs `scripts/<script>` as its npm command does (`tsx --conditions=react-server`) in a child
 * process, with this process's environment changed by `env` (an undefined value removes the variable).
 */
export function runScript(script: string, args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
    const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["--conditions=react-server", `scripts/${script}`, ...args], { cwd: ROOT, env: childEnv });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}
