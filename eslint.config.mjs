import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import { layerRules } from "./eslint.layers.mjs";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [".next*/**", "node_modules/**", "drizzle/**", ".steward*/**", "test-results/**", "playwright-report/**", "bench-results/**", "next-env.d.ts"],
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": ["error", { selector: "CallExpression[callee.name='eval']", message: "never eval" }, { selector: "NewExpression[callee.name='Function']", message: "never new Function" }],
    },
  },
  ...layerRules,
];
export default config;
