"use client";

import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { FlaskConical } from "lucide-react";
import { toast } from "sonner";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";

/** "Save as test case" on a finished run: its input, outcome and values become a case of its mission. */
export function SaveAsTestCase({ runId, missionId }: { runId: string; missionId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const save = useMutation(
    trpc.testCases.fromRun.mutationOptions({
      onSuccess: (c) =>
        toast.success(`Saved test case “${c.name}”`, {
          action: { label: "Open test cases", onClick: () => router.push(`/missions/${missionId}/tests#${c.id}`) },
        }),
      onError: (e) => toast.error(e.message),
    }),
  );
  return (
    <Button variant="secondary" size="sm" onClick={() => save.mutate({ runId })} disabled={save.isPending} data-testid="run-save-test-case" title="Keep this run's input, outcome and values as a test case of the mission">
      <FlaskConical /> {save.isPending ? "Saving…" : "Save as test case"}
    </Button>
  );
}
