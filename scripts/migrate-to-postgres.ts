// `npm run migrate-to-postgres`: moves the embedded data dir (STEWARD_DATA_DIR) into the empty
// PostgreSQL database at DATABASE_URL; no server may hold the data dir. Exit 0 = moved, 1 = failed
// (nothing written), 2 = usage or the data dir is in use. Runs with `tsx --conditions=react-server`.
import { migrateToPostgresCli } from "@/server/ops/migrate-to-postgres-cli";

process.exit(await migrateToPostgresCli({ out: (l) => console.log(l), err: (l) => console.error(l) }));
