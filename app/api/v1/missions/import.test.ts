import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { edges, mission, node } from "@/server/engine/testing/missions";
import * as missions from "./route";

process.env.STEWARD_SECRET_KEY ??= "c".repeat(64);

interface Imported {
  id: string;
  warnings: { path: string; nodeId?: string; message: string }[];
}

/** Import over REST names tools no connector offers: imported (a connector may come later), with a warning. */
describe.each(testDatabases())("mission import warnings on $name", (tdb) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(tdb);
    await h.database.db.execute(sql`insert into connector (id, name, transport, config) values ('c_shop', 'shop', 'stdio', '{}'::jsonb)`);
    await h.database.db.execute(
      sql`insert into connector_tool (connector_id, name, description, input_schema, annotations, definition_hash, approved_hash, status)
          values ('c_shop', 'add_note', 'Adds a note', '{}'::jsonb, '{}'::jsonb, 'h', 'h', 'approved')`,
    );
  });
  afterAll(() => h?.close());

  const document = (tool: string) =>
    mission(
      `Uses ${tool}`,
      [node.trigger("start"), node.action("act", { tool }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
      edges("start->act", "act->done"),
    );

  async function post(body: unknown) {
    return missions.POST(new Request("http://localhost/api/v1/missions", { method: "POST", headers: h.headers("builder"), body: JSON.stringify(body) }));
  }

  it("imports a mission naming a tool no connector offers, and warns about it", async () => {
    const res = await post(document("nope.nothing"));
    expect(res.status).toBe(201);
    const body = (await res.json()) as Imported;
    expect(body.warnings).toEqual([
      { nodeId: "act", path: "nodes[1].data.tool", message: 'unknown tool "nope.nothing": no enabled connector offers it yet, so a run fails when it gets here' },
    ]);
  });

  it("gives no warning for a tool an enabled connector offers", async () => {
    const res = await post(document("shop.add_note"));
    expect(res.status).toBe(201);
    expect(((await res.json()) as Imported).warnings).toEqual([]);
  });
});
