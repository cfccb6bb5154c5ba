import "server-only";

// A fresh server loads each route's code on its first request and runs it slowly until V8 has
// compiled it: measured before this, its first 10 s at 10 clients gave a fraction of its warm
// throughput and the first page took seconds. So the server asks itself for the pages and routes
// people and API clients use first, and says it is ready only then. Nothing here signs in or
// starts anything: pages without a session render the sign-in form or redirect to it, API routes
// answer 401 to a key that does not exist (after looking it up, which prepares that statement).

/** GET unless a body is given. */
const REQUESTS: { path: string; method?: string; bearer?: boolean }[] = [
  { path: "/sign-in" },
  { path: "/" },
  { path: "/runs" },
  { path: "/decisions" },
  { path: "/missions" },
  // The REST routes of a run: start (with and without a key), read.
  { path: "/api/v1/missions/warm-up/runs", method: "POST", bearer: true },
  { path: "/api/v1/missions/warm-up/runs", method: "POST" },
  { path: "/api/v1/runs/warm-up", bearer: true },
  { path: "/api/v1/missions", bearer: true },
];

/** Rounds over REQUESTS: the first loads the code, the later ones let V8 optimise the hot paths. */
const ROUNDS = 3;

/**
 * Then more rounds of the API requests alone: what an API client's first seconds run is hot code
 * V8 optimises only after many calls. Forty more (about half a second) gave the first 10 s of the
 * API bench 9–12% more runs than three did, on both databases (docs/engine.md, Performance).
 */
const API_ROUNDS = 40;
const API_REQUESTS = REQUESTS.filter((r) => r.path.startsWith("/api/"));

/**
 * Requests every warm-up path from this server, `ROUNDS` times, then the API paths `API_ROUNDS`
 * times more; resolves when done or after
 * `budgetMs`. Never throws: a server that cannot reach itself (another bind address) is only slower
 * at first.
 */
export async function warmUp(baseUrl: string, budgetMs = 20_000): Promise<{ requests: number; ms: number }> {
  const t0 = performance.now();
  const deadline = t0 + budgetMs;
  let requests = 0;
  for (let round = 0; round < ROUNDS + API_ROUNDS; round++) {
    for (const r of round < ROUNDS ? REQUESTS : API_REQUESTS) {
      const left = deadline - performance.now();
      if (left <= 0) return { requests, ms: performance.now() - t0 };
      const headers: Record<string, string> = { accept: r.path.startsWith("/api/") ? "application/json" : "text/html" };
      if (r.bearer) headers.authorization = "Bearer stw_warm-up-is-not-a-key";
      if (r.method === "POST") headers["content-type"] = "application/json";
      try {
        const res = await fetch(new URL(r.path, baseUrl), { method: r.method ?? "GET", headers, body: r.method === "POST" ? "{}" : undefined, redirect: "manual", signal: AbortSignal.timeout(Math.ceil(left)) });
        await res.arrayBuffer();
        requests++;
      } catch {
        // Unreachable or too slow: the rest would be too.
        return { requests, ms: performance.now() - t0 };
      }
    }
  }
  return { requests, ms: performance.now() - t0 };
}
