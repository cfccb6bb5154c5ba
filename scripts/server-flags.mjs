// Node flags of the production server (`npm start`; `npm run bench api` starts it the same way).
//
// --heap-growing-percent=50: after each full collection V8 lets the old generation grow to 1.5×
// what was live, instead of up to 4× on a machine with this much memory. Under the API load the
// server keeps about 100 MB live, and its heap grew to 250–290 MB of uncollected garbage before
// V8 collected it (RSS 340–390 MB on PostgreSQL); with 1.5× it stays near 180 MB (RSS 280–290 MB),
// with no throughput lost that the bench could see. Nothing is capped: a larger live heap still
// grows as it needs.
//
// --max-semi-space-size=4: the young generation's two halves hold at most 4 MB each instead of
// 16 MB. A request's garbage dies young either way; the larger halves only kept up to 48 MB of it
// resident. Side by side under the API load (docs/engine.md, Performance): RSS after the c=50
// load 309 → 280 MB on PostgreSQL and 583 → 507 MB on PGlite, with CPU per run no higher.
export const SERVER_NODE_FLAGS = ["--heap-growing-percent=50", "--max-semi-space-size=4"];
