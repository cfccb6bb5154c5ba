// PGlite's options, the same on the main thread and in its worker thread (pglite-worker.mjs).
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";

/** The shared buffer pool when the caller names none: PostgreSQL's 128 MB default is all resident in PGlite's WebAssembly memory from the start. */
export const DEFAULT_SHARED_BUFFERS_MB = 32;

/**
 * PGlite's own start parameters plus the size of its shared buffer pool. PGlite allocates and
 * touches the whole pool as it starts, so it is resident memory whether or not the data needs it;
 * pages it cannot hold are read from the data dir's files through the OS's cache.
 */
export function pgliteOptions(dataDir, sharedBuffersMb = DEFAULT_SHARED_BUFFERS_MB) {
  return {
    dataDir,
    // pgvector, for the knowledge base's hybrid search (docs/knowledge.md); migration 0019 creates it.
    extensions: { vector },
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${sharedBuffersMb}MB`],
  };
}
