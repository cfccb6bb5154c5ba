// `npm run backup -- <file>`: backs up the configured database (DATABASE_URL: pg_dump custom format;
// else the embedded data dir, which no server may hold open). Exit 0 = written, 1 = failed, 2 = usage
// or the data dir is in use. Runs with `tsx --conditions=react-server` (the `server-only` guard).
import { backupCli } from "@/server/ops/backup-cli";

process.exit(await backupCli("backup", process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }));
