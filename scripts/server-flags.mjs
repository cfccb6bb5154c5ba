// Node flags of the production server (`npm start`; `npm run bench api` starts it the same way).
//
// --heap-growing-percent=50: after each full collection V8 lets the old generation grow to 1.5×
// what was live, instead of up to 4× on a machine with this much memory. Under the API load the
// server keeps about 100 MB live, and its heap grew to 250–290 MB of uncollected garbage before
// V8 collected it (RSS 340–390 MB on PostgreSQL); with 1.5× it stays near 180 MB (RSS 280–290 MB),
// with no throughput lost that the bench could see. Nothing is capped: a larger live heap still
// grows as it needs.
//
// --max-semi-space-size: the young generation's halves, where a request's garbage dies. With 4 MB
// halves V8 collected them so often under the API load that a fifth of the main thread went to
// GC, and requests still in flight at each collection were copied and promoted: 16 MB halves gave
// a quarter more runs per second on both databases (docs/engine.md, Performance). On PostgreSQL
// 8 MB keeps the process within its memory target (RSS after the c=50 load 295 MB, against
// 307–313 MB with 16); on PGlite, whose buffer pool is smaller now, 16 MB costs no more resident
// memory than 4 did.

/** The flags for a server on PostgreSQL (`DATABASE_URL` set) or on embedded PGlite. */
export function serverNodeFlags(env) {
  return ["--heap-growing-percent=50", `--max-semi-space-size=${env.DATABASE_URL ? 8 : 16}`];
}
