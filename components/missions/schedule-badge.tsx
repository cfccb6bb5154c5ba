"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Clock, Pause, Play } from "lucide-react";
import { toast } from "sonner";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { Badge } from "@/components/ui/card";
import { formatFiring } from "@/lib/mission/trigger-channels";
import type { AppRouter } from "@/server/api/root";
import type { inferRouterOutputs } from "@trpc/server";

type ScheduleStatus = inferRouterOutputs<AppRouter>["triggers"]["schedules"][number];

/** Every published schedule by mission id, refreshed each minute (the next firings move on). */
export function useSchedules(): Map<string, ScheduleStatus> {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.triggers.schedules.queryOptions(), refetchInterval: 60_000 });
  return new Map((q.data ?? []).map((s) => [s.missionId, s]));
}

/** A mission's published schedule on the missions list: running (next firing; the next 5 on hover) or paused, with a pause switch for builders. */
export function ScheduleBadge({ schedule, canBuild }: { schedule: ScheduleStatus; canBuild: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const pause = useMutation(
    trpc.triggers.setPaused.mutationOptions({
      onSuccess: (r) => {
        toast.success(r.paused ? "Schedule paused" : "Schedule resumed");
        void queryClient.invalidateQueries({ queryKey: trpc.triggers.schedules.queryKey() });
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const next = schedule.next.map((d) => formatFiring(new Date(d), schedule.timezone));
  const title = `${schedule.description}${next.length ? `\nNext: ${next.join(", ")}` : ""}`;
  return (
    <span className="flex items-center gap-1" data-testid="mission-schedule">
      <Badge tone={schedule.paused || schedule.archived ? "amber" : "green"} title={title}>
        <Clock className="size-3" />
        {schedule.paused ? "Schedule paused" : schedule.archived ? "Schedule off" : next[0] ? `Next ${next[0]}` : "Scheduled"}
      </Badge>
      {canBuild && !schedule.archived ? (
        <Button
          variant="ghost"
          size="icon"
          className="size-6"
          title={schedule.paused ? "Resume the schedule" : "Pause the schedule"}
          aria-label={schedule.paused ? "Resume the schedule" : "Pause the schedule"}
          data-testid="mission-schedule-pause"
          disabled={pause.isPending}
          onClick={() => pause.mutate({ missionId: schedule.missionId, paused: !schedule.paused })}
        >
          {schedule.paused ? <Play /> : <Pause />}
        </Button>
      ) : null}
    </span>
  );
}
