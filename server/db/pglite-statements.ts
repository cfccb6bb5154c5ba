import "server-only";
// The implementation is plain ESM so that the PGlite worker thread runs the same code (pglite-thread.ts).
export { preparedStatements, type PgliteClient } from "./pglite-statements.mjs";
