// The layer rules of docs/architecture.md, as lint errors (`npm run lint` fails on a violation;
// eslint.layers.test.ts plants a bad import for each rule and checks it fires).
//
//   app → components → server → lib, and:
//   - lib/ imports nothing from server/, components/ or app/;
//   - components/ import server/ only as types (`import type`);
//   - server/ never imports app/ or components/ (tests and server/**/testing/ harnesses may: they
//     drive the real routes);
//   - only server/engine/inngest/ imports the `inngest` package; the engine outside it imports
//     nothing from it, and the embedded executor's files import nothing of the engine;
//   - server/decisions/ and server/contracts/ import nothing from server/engine/ (the engine uses
//     them; the cycle between them is gone and stays gone);
//   - nothing imports the composition root (server/boot/engine-root.ts) but server/boot/;
//   - no import cycles (value imports, static or dynamic `import()`; `import type` erases at build).

/** The embedded executor ("the Inngest server"): it must not know the engine it runs. */
const executorFiles = [
  "embedded-executor",
  "executor-options",
  "serve-calls",
  "worker-pool",
  "call-results",
  "executor-store",
  "checkpointed-call",
  "protocol",
  "signing",
  "durations",
  "matching",
].map(
  (f) => `./server/engine/inngest/${f}.ts`,
);

/** Files that may reach into app/ from server/: tests and the harnesses tests start. */
const serverTestFiles = ["server/**/*.test.ts", "server/**/testing/**"];

export const layerRules = [
  {
    files: ["**/*.{ts,tsx,mts,js,mjs}"],
    // Packages are not followed: a cycle can only run through our own files, and parsing
    // node_modules for it costs minutes.
    settings: { "import/ignore": ["node_modules"] },
    rules: {
      "import/no-restricted-paths": [
        "error",
        {
          basePath: import.meta.dirname,
          zones: [
            {
              target: "./lib",
              from: ["./server", "./components", "./app"],
              message: "lib/ is isomorphic: it imports nothing from server/, components/ or app/.",
            },
            {
              target: "./server",
              from: ["./app", "./components"],
              message: "server/ never imports app/ or components/: move what both need into server/ or lib/.",
            },
            {
              target: ["./server/engine/*.ts", "./server/engine/nodes"],
              from: "./server/engine/inngest",
              message: "The engine runs behind its step port: only server/engine/inngest/ (the adapter) and the composition root know Inngest.",
            },
            {
              target: ["./server/decisions", "./server/contracts"],
              from: ["./server/engine", "./server/boot"],
              message: "The engine uses decisions, not the other way round: share through server/contracts/, take `send` as a parameter.",
            },
            {
              target: executorFiles,
              from: "./server/engine",
              except: ["./inngest"],
              message: "The embedded executor knows nothing of missions: what it needs from the engine is a hook the composition root registers.",
            },
            {
              target: ["./app", "./components", "./lib", "./server/!(boot)/**", "./server/*.ts", "./scripts", "./e2e", "./test", "./demo", "./instrumentation.ts", "./proxy.ts"],
              from: "./server/boot/engine-root.ts",
              message: "Only server/boot/ imports the composition root: register what others need through server/engine/deps.ts.",
            },
          ],
        },
      ],
      "import/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
  {
    // Tests and the harnesses they start drive the real route handlers and the real engine root.
    files: serverTestFiles,
    rules: { "import/no-restricted-paths": "off" },
  },
  {
    files: ["components/**/*.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(@/|(\\.\\./)+)server(/|$)",
              allowTypeImports: true,
              message: "components/ import server/ only as types (`import type`): they run in the browser.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.{ts,tsx,mts,js,mjs}"],
    ignores: ["server/engine/inngest/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [{ name: "inngest", message: "Only server/engine/inngest/ (the adapter) imports inngest." }],
          patterns: [{ group: ["inngest/*"], message: "Only server/engine/inngest/ (the adapter) imports inngest." }],
        },
      ],
    },
  },
];
