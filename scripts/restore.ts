// `npm run restore -- <file>`: restores a backup into the configured database, which must be empty
// (a fresh PostgreSQL database, or a STEWARD_DATA_DIR that does not exist yet). Exit codes as backup.
import { backupCli } from "@/server/ops/backup-cli";

process.exit(await backupCli("restore", process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }));
