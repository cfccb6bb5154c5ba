// Runs one benchmark module and writes its results as JSON (called by scripts/bench.mjs).
import fs from "node:fs";
import { pathToFileURL } from "node:url";
import type { BenchResult } from "../bench/types";

const [file, out] = process.argv.slice(2);
if (!file || !out) throw new Error("usage: bench-one <bench file> <out json>");
const mod = (await import(pathToFileURL(file).href)) as { run: () => Promise<BenchResult[]> };
const results = await mod.run();
fs.writeFileSync(out, JSON.stringify(results, null, 2));
process.exit(0);
