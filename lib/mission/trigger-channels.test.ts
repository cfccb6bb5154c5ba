import { describe, expect, it } from "vitest";
import { cronProblem, describeSchedule, formatFiring, isTimeZone, latestFiring, nextFirings, schedulePreview, triggerChannelProblems } from "./trigger-channels";
import { triggerDataSchema } from "./schema";

describe("schedule helpers", () => {
  // Sunday 6 December 2026, 07:30 UTC = 08:30 in Paris.
  const now = new Date("2026-12-06T07:30:00Z");

  it("previews a weekday schedule in its zone, with the next firing", () => {
    expect(schedulePreview("0 8 * * 1-5", "Europe/Paris", now)).toBe("At 08:00, Monday through Friday (Europe/Paris), next: Mon 7 Dec 08:00");
    expect(nextFirings("0 8 * * 1-5", "Europe/Paris", now).map((d) => d.toISOString())).toEqual([
      "2026-12-07T07:00:00.000Z",
      "2026-12-08T07:00:00.000Z",
      "2026-12-09T07:00:00.000Z",
      "2026-12-10T07:00:00.000Z",
      "2026-12-11T07:00:00.000Z",
    ]);
    expect(formatFiring(new Date("2026-12-07T07:00:00Z"), "America/New_York")).toBe("Mon 7 Dec 02:00");
    expect(describeSchedule("* * * * *", "UTC")).toBe("Every minute (UTC)");
  });

  it("finds the latest firing at or before now (a firing exactly now counts)", () => {
    expect(latestFiring("0 8 * * 1-5", "Europe/Paris", now)?.toISOString()).toBe("2026-12-04T07:00:00.000Z");
    expect(latestFiring("30 7 * * *", "UTC", now)?.toISOString()).toBe("2026-12-06T07:30:00.000Z");
    expect(latestFiring("not cron", "UTC", now)).toBeNull();
  });

  it("says what is wrong with a cron or a zone", () => {
    expect(cronProblem("")).toMatch(/write a cron expression/);
    expect(cronProblem("* * * *")).toMatch(/5 fields/);
    expect(cronProblem("*/5 * * * * *")).toMatch(/5 fields/);
    expect(cronProblem("61 * * * *")).toMatch(/5 fields/);
    expect(cronProblem("0 8 * * 1-5")).toBeNull();
    expect(isTimeZone("Europe/Paris")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
  });

  it("checks the trigger's schedule and webhook settings, naming the field", () => {
    const data = triggerDataSchema.parse({
      channels: ["schedule", "webhook"],
      fields: [{ name: "queue", type: "string" }],
      schedule: { cron: "0 25 * * *", timezone: "Paris", input: { other: 1 } },
      webhook: { mapping: { queue: "body.(", nope: "body.x" } },
    });
    expect(triggerChannelProblems(data).map((p) => `${p.path.join(".")}: ${p.message.split(":")[0]}`)).toEqual([
      "schedule.cron: is not a cron expression of 5 fields (minute hour day month weekday)",
      'schedule.timezone: must be an IANA time zone such as Europe/Paris or UTC, not "Paris"',
      "schedule.input.other: is not an input of this trigger",
      "schedule.input.queue: a scheduled run needs a value for the required input queue",
      "webhook.mapping.queue: does not parse",
      "webhook.mapping.nope: is not an input of this trigger",
    ]);
    expect(triggerChannelProblems(triggerDataSchema.parse({ channels: ["schedule"] }))).toEqual([{ path: ["schedule", "cron"], message: "set when the schedule fires (a cron expression)" }]);
  });
});
