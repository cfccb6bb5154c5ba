import crypto from "node:crypto";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InputField } from "@/lib/mission/schema";
import { inputFieldSchema } from "@/lib/mission/schema";
import { formProblems, type PortalField } from "@/components/portal/form-rules";
import { CLIENT_ADDRESS_HEADER, clientAddress, installPeerAddressStamp, normaliseAddress, PEER_HEADER } from "./client-address";
import { checkPortalValues } from "./values";
import { hashStatusToken, newStatusToken, STATUS_TOKEN_PATTERN } from "./tokens";

describe("status tokens", () => {
  it("are 128 random bits, base64url, never repeated", () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const t = newStatusToken();
      expect(t).toMatch(STATUS_TOKEN_PATTERN);
      tokens.add(t);
    }
    expect(tokens.size).toBe(20_000);
    const t = newStatusToken();
    expect(Buffer.from(t, "base64url")).toHaveLength(16);
  });

  it("carry no guessable structure: every bit position varies", () => {
    // Across 2,000 tokens each of the 128 bits is set in roughly half of them.
    const counts = new Array<number>(128).fill(0);
    const n = 2_000;
    for (let i = 0; i < n; i++) {
      const bytes = Buffer.from(newStatusToken(), "base64url");
      for (let b = 0; b < 128; b++) if ((bytes[b >> 3]! >> (7 - (b & 7))) & 1) counts[b]!++;
    }
    for (const c of counts) expect(Math.abs(c / n - 0.5)).toBeLessThan(0.06);
  });

  it("are stored as their sha256, which does not reveal them", () => {
    const t = newStatusToken();
    const h = hashStatusToken(t);
    expect(h).toBe(crypto.createHash("sha256").update(t).digest("hex"));
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toContain(t);
    expect(hashStatusToken(newStatusToken())).not.toBe(h);
  });
});

describe("client address", () => {
  it("normalises IPv4, mapped IPv4 and ports, and limits IPv6 per /64", () => {
    expect(normaliseAddress("203.0.113.9")).toBe("203.0.113.9");
    expect(normaliseAddress("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(normaliseAddress("203.0.113.9:5123")).toBe("203.0.113.9");
    expect(normaliseAddress("2001:db8:85a3:12:8a2e:370:7334:1")).toBe("2001:db8:85a3:12::/64");
    expect(normaliseAddress("2001:DB8::1")).toBe("2001:db8:0:0::/64");
    expect(normaliseAddress("[2001:db8:1:2::9]")).toBe("2001:db8:1:2::/64");
    expect(normaliseAddress("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(normaliseAddress("")).toBe("unknown");
  });

  it("honours x-forwarded-for only behind a trusted proxy, and then only the entry the proxy added", () => {
    const h = new Headers({ "x-forwarded-for": "1.1.1.1, 198.51.100.7", [PEER_HEADER]: "10.0.0.2" });
    expect(clientAddress(h, { trustProxy: true })).toBe("198.51.100.7");
    expect(clientAddress(h, { trustProxy: false })).toBe("10.0.0.2");
    // Without a trusted proxy a client's own x-forwarded-for is never believed, even where no
    // socket stamp is present: such requests share one "unknown" allowance.
    expect(clientAddress(new Headers({ "x-forwarded-for": "127.0.0.1" }), { trustProxy: false })).toBe("unknown");
  });

  describe("the socket stamp", () => {
    let server: http.Server;
    let seen: string | undefined;
    let seenClient: string | undefined;
    beforeAll(async () => {
      installPeerAddressStamp();
      installPeerAddressStamp();
      server = http.createServer((req, res) => {
        seen = req.headers[PEER_HEADER] as string | undefined;
        seenClient = req.headers[CLIENT_ADDRESS_HEADER] as string | undefined;
        res.end("ok");
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it("overwrites whatever the client sent with the real socket address", async () => {
      const { port } = server.address() as { port: number };
      await fetch(`http://127.0.0.1:${port}/`, { headers: { [PEER_HEADER]: "6.6.6.6", [CLIENT_ADDRESS_HEADER]: "6.6.6.6", "x-forwarded-for": "6.6.6.6" } });
      expect(seen).toBe("127.0.0.1");
      // STEWARD_TRUST_PROXY is off here: the client address is the socket's too.
      expect(seenClient).toBe("127.0.0.1");
    });
  });
});

describe("form messages: the browser and the server agree", () => {
  const fields: InputField[] = [
    inputFieldSchema.parse({ name: "orderId", label: "Order number", type: "string", required: true }),
    inputFieldSchema.parse({ name: "email", label: "Email", type: "email", required: true, maxLength: 40 }),
    inputFieldSchema.parse({ name: "reason", label: "Reason", type: "text", required: true, maxLength: 2000 }),
    inputFieldSchema.parse({ name: "items", type: "number", required: false }),
    inputFieldSchema.parse({ name: "opened", label: "Opened", type: "boolean", required: true }),
  ];
  const cases: Record<string, string>[] = [
    {},
    { orderId: "1042", email: "dana@example.com", reason: "Too small", opened: "true" },
    { orderId: "", email: "not-an-email", reason: "x".repeat(2001), opened: "maybe" },
    { orderId: " ", email: "  ", reason: "x".repeat(2000), items: "three", opened: "false" },
    { orderId: "1", email: `${"a".repeat(40)}@example.com`, reason: "ok", items: " 12 ", opened: "true" },
    { orderId: "1", email: " dana@example.com ", reason: "ok", items: "1e3", opened: "true" },
    { orderId: "1", email: "dana@example", reason: "ok", items: "Infinity", opened: "" },
    { orderId: "1", email: "a..b@example.com", reason: "é".repeat(2001), items: "", opened: "true" },
    { orderId: "\t \n", email: "dana@example.com", reason: "nul \u0000 here", opened: "true" },
    { orderId: "lone \ud800", email: "dana@example.com", reason: "fine 😀", items: "2", opened: "true" },
  ];

  it.each(cases.map((c, i) => [i, c] as const))("case %i", (_, values) => {
    const browser = formProblems(fields as PortalField[], values);
    const checked = checkPortalValues(fields, values);
    const server = checked.ok ? [] : checked.problems;
    expect(Object.fromEntries(server.map((p) => [p.field, p.message]))).toEqual(browser);
  });

  it("speaks to the customer", () => {
    const browser = formProblems(fields as PortalField[], { email: "x", reason: "x".repeat(2001) });
    expect(browser).toEqual({
      orderId: "Order number is required.",
      email: "Enter an email address like name@example.com.",
      reason: "Reason must be at most 2,000 characters (now 2,001).",
      opened: "Please choose yes or no.",
    });
  });
});
