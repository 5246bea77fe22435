// The envelope codec (src/session/envelope.ts): v2 round trips, v1 is read forever, and what v2
// costs a cookie-only session in bytes.
import { createSessions, type SessionsOptions } from "sealed-session";
import { describe, expect, it } from "vitest";
import {
  decodeEnvelope,
  type Envelope,
  encodeEnvelope,
  FLAG_REGISTERED,
} from "../../src/session/envelope.ts";
import release010 from "../fixtures/upgrade/0.1.0.ts";

const base: Envelope = {
  id: "A".repeat(22),
  issuedAt: 1_796_000_000_123,
  lifetime: 3600,
  seen: 12,
  flags: 0,
  userId: "ada",
  authAt: 1_796_000_000_123,
  dataVersion: 0,
  data: { views: 3 },
  store: undefined,
  flash: undefined,
};

const roundTrip = (envelope: Envelope, flash?: Record<string, unknown>) =>
  decodeEnvelope(
    JSON.parse(
      encodeEnvelope(envelope, JSON.stringify(envelope.data), flash ? JSON.stringify(flash) : undefined),
    ),
  );

describe("envelope v2", () => {
  it("round-trips every field, flash included", () => {
    const envelope = { ...base, flags: FLAG_REGISTERED, dataVersion: 3, authAt: base.issuedAt + 90_000 };
    expect(roundTrip(envelope, { notice: "hi" })).toEqual({ ...envelope, flash: { notice: "hi" } });
    expect(encodeEnvelope(base, '{"views":3}', undefined)).toBe(
      `[2,"${base.id}",${base.issuedAt},3600,12,0,"ada",0,0,{"views":3}]`,
    );
  });

  it("keeps authAt in whole seconds after issuedAt, also before it, and none without a user", () => {
    expect(roundTrip({ ...base, authAt: base.issuedAt - 7_000 })?.authAt).toBe(base.issuedAt - 7_000);
    expect(roundTrip({ ...base, userId: null, authAt: base.issuedAt })?.authAt).toBeNull();
  });

  it("carries a store record key instead of the data, and reads it back as such", () => {
    const key = "B".repeat(22);
    const text = encodeEnvelope({ ...base, store: key }, '{"ignored":true}', undefined);
    expect(text.endsWith(`,"${key}"]`)).toBe(true);
    expect(decodeEnvelope(JSON.parse(text))).toMatchObject({ store: key, data: {} });
  });

  it("reads v1 as v2: authAt is the login time, dataVersion 0, data in the cookie", () => {
    const v1 = [1, base.id, base.issuedAt, 3600, 12, 1, "ada", { views: 3 }, { notice: "hi" }];
    expect(decodeEnvelope(v1)).toEqual({
      ...base,
      flags: 1,
      authAt: base.issuedAt,
      flash: { notice: "hi" },
    });
    expect(decodeEnvelope([1, base.id, base.issuedAt, 3600, 0, 0, null, {}])?.authAt).toBeNull();
  });

  it("a cookie-only session grows by at most 6 characters of cookie from v1 to v2", async () => {
    const sizes: string[] = [];
    for (const fixture of release010.sessions) {
      if (fixture.options.format !== "jwe" || fixture.name.includes("older secret")) continue;
      const sessions = createSessions({
        ...(fixture.options as SessionsOptions),
        format: "jwe",
        secrets: release010.secrets,
        // At the moment of sealing, so `seen` stays 0 and only the envelope differs.
        now: () => release010.sealedAt,
      });
      const session = await sessions.load(new Headers({ cookie: fixture.cookie }));
      (session as unknown as { _reseal: boolean })._reseal = true; // write it as v2 now, unchanged
      const headers = new Headers();
      await sessions.commit(session, headers);
      const length = (cookies: string[]) => cookies.reduce((sum, pair) => sum + pair.length, 0);
      const before = length(fixture.cookie.split("; "));
      const after = length(headers.getSetCookie().map((line) => line.slice(0, line.indexOf(";"))));
      sizes.push(`${fixture.name}: ${before} → ${after}`);
      expect(after - before).toBeGreaterThanOrEqual(0);
      expect(after - before).toBeLessThanOrEqual(6);
    }
    console.log(`cookie bytes, v1 → v2 (name + value):\n  ${sizes.join("\n  ")}`);
  });
});
