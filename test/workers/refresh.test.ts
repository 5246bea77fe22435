// Refresh-token families on the Durable Object registry, in workerd: the manager kit (the backend kit
// runs in cloudflare.test.ts), and schema 2's migration from an object written by schema 1.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { generateSecret } from "sealed-session";
import { durableObjectRegistry } from "sealed-session/cloudflare";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../src/cloudflare/registry-object.ts";
import { migrate } from "../../src/cloudflare/schema.ts";
import type { Suite } from "../harness.ts";
import { managerRefresh } from "./kit.ts";

const suite: Suite = { test: (name, fn) => it(name, fn) };
const namingKey = generateSecret();
const unique = () => crypto.randomUUID().replaceAll("-", "").slice(0, 22);

describe("conformance: refresh-token families on the Durable Object registry", () => {
  managerRefresh(
    suite,
    () => durableObjectRegistry(env.SESSION_REGISTRY, { namingKey }),
    "durable object registry",
  );
});

describe("SessionRegistry schema 2", () => {
  it("an object written by schema 1 migrates in place: its sessions stay, as cookie sessions at generation 0", async () => {
    const stub = env.SESSION_REGISTRY.getByName(`migration-${unique()}`);
    const now = Date.now();
    const [handle, sessionId] = [unique(), unique()];
    await runInDurableObject(stub, (instance, state) => {
      const sql = state.storage.sql;
      // Back to what a release with schema 1 left behind: its tables, one session, version 1.
      for (const table of ["_ss_sessions", "_ss_ended", "_ss_user", "_ss_schema"])
        sql.exec(`DROP TABLE ${table}`);
      expect(migrate(state.storage, MIGRATIONS.slice(0, 1))).toBe(0);
      sql.exec(
        `INSERT INTO _ss_sessions (handle, session_id, created_at, last_seen_at, expires_at, purge_at, label, kind)
         VALUES (?, ?, ?, ?, ?, ?, 'Chrome on Linux', 'cookie')`,
        handle,
        sessionId,
        now,
        now,
        now + 3_600_000,
        now + 3_600_000,
      );
      // The new release starts: migration 2 runs once, on the data as it is.
      expect(migrate(state.storage, MIGRATIONS)).toBe(1);
      expect(migrate(state.storage, MIGRATIONS)).toBe(2);
      expect(sql.exec("SELECT version FROM _ss_schema ORDER BY version").toArray()).toEqual([
        { version: 1 },
        { version: 2 },
      ]);
      const entry = instance.check(sessionId, now + 1, 300_000);
      expect(entry).toMatchObject({ handle, sessionId, kind: "cookie", generation: 0, parent: null });
      // A cookie session is not a family: it cannot be advanced.
      expect(instance.advance(sessionId, 0, now + 1, 0, true)).toBeNull();
    });
    // And the migrated object takes families, linked to its old sessions.
    const family = {
      handle: unique(),
      sessionId: unique(),
      createdAt: now,
      expiresAt: now + 3_600_000,
      label: "CLI",
      kind: "refresh",
      generation: 1,
    };
    await runInDurableObject(stub, async (instance) => {
      expect(await instance.register(family, 10, now + 2, sessionId)).toEqual({
        ended: [],
        registered: true,
      });
      expect(instance.list(now + 3).map((e) => [e.kind, e.parent])).toEqual([
        ["refresh", handle],
        ["cookie", null],
      ]);
      expect(instance.advance(family.sessionId, 1, now + 4, 0, true)).toMatchObject({
        outcome: "rotated",
        entry: { generation: 2 },
      });
    });
  });
});
