// Node flags and environment of the production server (`npm start`; `npm run bench api` starts it
// the same way).
//
// --heap-growing-percent=50: after each full collection V8 lets the old generation grow to 1.5×
// what was live, instead of up to 4× on a machine with this much memory. Under the API load the
// server keeps about 100 MB live, and its heap grew to 250–290 MB of uncollected garbage before
// V8 collected it (RSS 340–390 MB on PostgreSQL); with 1.5× it stays near 180 MB (RSS 280–290 MB),
// with no throughput lost that the bench could see. Nothing is capped: a larger live heap still
// grows as it needs.
//
// --max-semi-space-size: the young generation's halves, where a request's garbage dies. With
// 4 MB halves V8 collected them so often under the API load that a fifth of the main thread went
// to GC, and requests still in flight at each collection were copied and promoted: 16 MB halves
// gave a quarter more runs per second (docs/engine.md, Performance). With 50 requests in flight
// rather than 10, more of them are live at each collection: on PGlite 32 MB halves gave 4–8% more
// runs per second at 50 clients in two sittings (none at 10) for about 70 MB more resident, within
// its memory target. PostgreSQL mode keeps 16 MB, which its 300 MB target leaves room for only
// thanks to the two savings below.
//
// MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (V8's GC and compiler helpers, libuv's
// pool, PGlite's thread) an arena of its own, up to 8 per core, each holding freed memory. Two
// arenas held 7–23 MB less after the API load, with no throughput the bench could tell apart.
// (The other saving is next.config.mjs: see its first lines.)

/** The server's Node flags: PostgreSQL when `env` names a DATABASE_URL, else embedded PGlite. */
export function serverNodeFlags(env) {
  return ["--heap-growing-percent=50", `--max-semi-space-size=${env.DATABASE_URL ? 16 : 32}`];
}

/** Environment the server process starts with, under what `env` sets (which wins). */
export function serverProcessEnv(env) {
  return { MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? "2" };
}
