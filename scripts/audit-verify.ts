// `npm run audit:verify`: recomputes the audit log's hash chain and names the first tampered entry.
// Exit 0 = intact, 1 = tampered, 2 = could not check (e.g. the embedded data dir is in use).
// Runs with `tsx --conditions=react-server` so the server modules' `server-only` guard allows it.
import { auditVerifyCli } from "@/server/audit/cli";

const code = await auditVerifyCli({ out: (l) => console.log(l), err: (l) => console.error(l) });
process.exit(code);
