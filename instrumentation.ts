export async function register() {
  // The database, seeding and the embedded executor live in the Node.js server process only.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { plainProcessEnv } = await import("./server/boot/plain-env");
  plainProcessEnv();
  const { boot } = await import("./server/boot/boot");
  await boot();
}
