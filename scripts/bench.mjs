// `npm run bench [name…]`: runs bench/*.bench.ts (each exports `run(): Promise<BenchResult[]>`),
// prints one table and writes bench-results/<name>.json plus bench-results/latest.json.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const only = process.argv.slice(2);
const files = fs
  .readdirSync(path.join(root, "bench"))
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));
const outDir = path.join(root, "bench-results");
fs.mkdirSync(outDir, { recursive: true });

const all = [];
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, "");
  const out = path.join(outDir, `${name}.json`);
  console.log(`\n━━ ${name} ━━`);
  // Each benchmark runs in its own process so one's memory and handles cannot skew another.
  const res = spawnSync(process.execPath, ["--import", "tsx", "--conditions=react-server", path.join(root, "scripts", "bench-one.ts"), path.join(root, "bench", file), out], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (res.status !== 0 || !fs.existsSync(out)) {
    all.push({ bench: name, name: "(failed)", value: NaN, unit: "", notes: `exit ${res.status}` });
    continue;
  }
  for (const r of JSON.parse(fs.readFileSync(out, "utf8"))) all.push({ bench: name, ...r });
}

const rows = all.map((r) => {
  const met = r.target === undefined || Number.isNaN(r.value) ? "" : (r.better === "higher" ? r.value >= r.target : r.value <= r.target) ? "✓" : "✗";
  return [r.bench, r.name, Number.isNaN(r.value) ? "failed" : `${+r.value.toFixed(2)} ${r.unit}`, r.target === undefined ? "" : `${r.better === "higher" ? "≥" : "≤"} ${r.target} ${r.unit}`, met, r.notes ?? ""];
});
const head = ["bench", "measure", "value", "target", "", "notes"];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ");
console.log("\n" + line(head));
console.log(widths.map((w) => "─".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));
fs.writeFileSync(path.join(outDir, "latest.json"), JSON.stringify({ at: new Date().toISOString(), results: all }, null, 2));
console.log(`\nwrote ${path.relative(root, outDir)}/latest.json`);
if (all.some((r) => Number.isNaN(r.value))) process.exit(1);
