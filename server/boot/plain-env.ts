import "server-only";

/**
 * Replaces `process.env` with a plain object holding the same variables.
 *
 * Node's `process.env` is an exotic object: each enumeration asks the C library for every variable
 * and builds its strings again. The Inngest SDK enumerates it several times per request it serves
 * (`getProcessEnv` in its helpers/env.js, from `initRequest` and each header set), about 40 µs each
 * with 35 variables, 4–5% of the server's main thread under the API load (docs/engine.md,
 * Performance); a plain object enumerates in 3–5 µs. Nothing in the server assigns variables after
 * start, so the one difference, that a later assignment would not reach the C library's
 * environment, changes nothing here; child processes and worker threads are given the plain object's
 * variables as before.
 */
export function plainProcessEnv(): void {
  process.env = { ...process.env };
}
