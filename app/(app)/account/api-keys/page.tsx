import type { Metadata } from "next";
import { ApiKeysSettings } from "@/components/settings/api-keys-settings";

export const metadata: Metadata = { title: "Your API keys" };

/** Every signed-in user's own keys: an approver automating votes, a builder's CI, a viewer's report. */
export default function AccountApiKeysPage() {
  return (
    <div className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
      <h1 className="mb-4 text-2xl font-semibold tracking-tight">Your API keys</h1>
      <ApiKeysSettings scope="mine" />
    </div>
  );
}
