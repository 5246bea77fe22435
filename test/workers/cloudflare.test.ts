// sealed-session/cloudflare in workerd, on miniflare's Durable Objects (binding REVOCATIONS, class
// SessionRevocations re-exported by the demo's main module). Storage is shared within this file:
// every test uses random ids and users.
import { listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { ConfigError, createSessions, generateSecret, type RevocationStore } from "sealed-session";
import {
  durableObjectRegistry,
  durableObjectRevocationStore,
  durableObjectStore,
  SessionDataStore,
  SessionRegistry,
  SessionRevocations,
} from "sealed-session/cloudflare";
import { kvStore } from "sealed-session/store";
import { describe, expect, it } from "vitest";
import worker from "../../examples/worker-do-revocation.ts";
import { migrate } from "../../src/cloudflare/schema.ts";
import type { Suite } from "../harness.ts";
import { Jar } from "../support/http.ts";
import {
  dataStoreConformance,
  managerRegistry,
  managerRevocation,
  managerStore,
  registryConformance,
  revocationConformance,
} from "./kit.ts";

const suite: Suite = { test: (name, fn) => it(name, fn) };
const namingKey = generateSecret();
const store = (now?: () => number): RevocationStore =>
  durableObjectRevocationStore(env.REVOCATIONS, { namingKey, now });
const unique = () => crypto.randomUUID().replaceAll("-", "").slice(0, 22);

describe("conformance: the Durable Object revocation store", () => {
  revocationConformance(suite, (now) => store(now), "durable object store");
  managerRevocation(suite, (now) => store(now), "durable object store");
});

/** The namespace, recording the object names the store asks for. */
function recording() {
  const names: string[] = [];
  const namespace = {
    getByName(name: string) {
      names.push(name);
      return env.REVOCATIONS.getByName(name);
    },
  } as unknown as typeof env.REVOCATIONS;
  return { names, store: durableObjectRevocationStore(namespace, { namingKey }) };
}

describe("durableObjectRevocationStore", () => {
  it("is exact: a revocation holds at once for a store in another isolate (no memo)", async () => {
    const [here, there] = [store(), store()];
    const query = { sessionId: unique(), userId: `ada-${unique()}`, issuedAt: Date.now() - 1000 };
    expect(await there.isRevoked(query)).toBe(false);
    await here.revokeSession({
      sessionId: query.sessionId,
      userId: query.userId,
      until: Date.now() + 60_000,
    });
    expect(await there.isRevoked(query)).toBe(true);
    await here.revokeUser({ userId: `${query.userId}`, cutoff: Date.now(), until: Date.now() + 60_000 });
    expect(await there.isRevoked({ ...query, sessionId: unique() })).toBe(true);
  });

  it("names objects by a keyed hash of the user id, never the id; anonymous ids go to 4,096 shards", async () => {
    const { names, store: watched } = recording();
    const user = "ada.lovelace@example.com";
    await watched.isRevoked({ sessionId: unique(), userId: user, issuedAt: 1 });
    await watched.revokeUser({ userId: user, cutoff: 1, until: Date.now() + 60_000 });
    const sessionId = unique();
    await watched.revokeSession({ sessionId, until: Date.now() + 60_000, userId: undefined });
    expect(names[0]).toMatch(/^u:[\w-]{43}$/);
    expect(names[1]).toBe(names[0]);
    expect(names[2]).toBe(`s:${sessionId.slice(0, 2)}`);
    for (const name of names) expect(name.toLowerCase()).not.toContain("ada");
    // Another naming key names other objects.
    const recordName = (name: string) => {
      names.push(name);
      return env.REVOCATIONS.getByName(name);
    };
    const other = durableObjectRevocationStore({ getByName: recordName } as never, {
      namingKey: generateSecret(),
    });
    await other.isRevoked({ sessionId: unique(), userId: user, issuedAt: 1 });
    expect(names[3]).not.toBe(names[0]);
  });

  it("an alarm purges facts whose cookies have all expired and re-arms for the next", async () => {
    const sessionId = unique();
    const { names, store: watched } = recording();
    const user = `grace-${unique()}`;
    const now = Date.now();
    await watched.revokeSession({ sessionId, userId: user, until: now });
    await watched.revokeSession({ sessionId: unique(), userId: user, until: now + 3_600_000 });
    const stub = env.REVOCATIONS.getByName(names[0]!);
    const count = () =>
      runInDurableObject(
        stub,
        (_, state) => state.storage.sql.exec("SELECT id FROM _ss_revoked").toArray().length,
      );
    expect(await count()).toBe(2);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await count()).toBe(1);
    const next = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    expect(next).toBeGreaterThan(now + 3_000_000);
    expect((await listDurableObjectIds(env.REVOCATIONS)).some((id) => id.equals(stub.id))).toBe(true);
  });

  it("keeps a versioned schema: migrations run once, and storage from a newer release is refused", async () => {
    const stub = env.REVOCATIONS.getByName(`test:${unique()}`);
    await runInDurableObject(stub, (instance, state) => {
      expect(instance).toBeInstanceOf(SessionRevocations);
      const versions = () => state.storage.sql.exec("SELECT version FROM _ss_schema").toArray();
      expect(versions()).toEqual([{ version: 1 }]);
      const tables = state.storage.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '_ss_%' ORDER BY name")
        .toArray()
        .map((row) => row.name);
      expect(tables).toEqual(["_ss_cutoff", "_ss_revoked", "_ss_schema"]);
      // Running the same list again changes nothing.
      expect(migrate(state.storage, ["SELECT 1"])).toBe(1);
      expect(versions()).toEqual([{ version: 1 }]);
      state.storage.sql.exec("INSERT INTO _ss_schema (version, applied_at) VALUES (9, 0)");
      expect(() => migrate(state.storage, ["SELECT 1"])).toThrow(/schema 9, newer than this release knows/);
    });
  });

  it("refuses a missing binding or a short naming key at start-up", () => {
    expect(() => durableObjectRevocationStore(undefined as never, { namingKey })).toThrow(TypeError);
    for (const bad of [undefined, "", "short"]) {
      expect(() => durableObjectRevocationStore(env.REVOCATIONS, { namingKey: bad as string })).toThrow(
        ConfigError,
      );
    }
  });

  it("a store whose object fails makes logged-in sessions revocation_unavailable, never a throw", async () => {
    const failing = durableObjectRevocationStore(
      {
        getByName: () => ({
          isRevoked: () => Promise.reject(new Error("object overloaded")),
        }),
      } as never,
      { namingKey },
    );
    const secrets = generateSecret();
    const good = createSessions({ secrets });
    const jar = new Jar();
    const first = await good.load(jar.request());
    first.login("ada");
    const headers = new Headers();
    await good.commit(first, headers);
    jar.apply(headers);
    const sessions = createSessions({
      secrets,
      revocation: { store: failing, onStoreError: () => "closed" },
    });
    const session = await sessions.load(jar.request());
    expect(session.invalidReason).toBe("revocation_unavailable");
    expect(session.readOnly).toBe(true);
  });
});

describe("examples/worker-do-revocation.ts", () => {
  it("logout and log out everywhere hold on the very next request", async () => {
    const workerEnv = {
      SESSION_SECRETS: generateSecret(),
      REVOCATION_NAMING_KEY: namingKey,
      REVOCATIONS: env.REVOCATIONS,
    };
    const ctx = { waitUntil: () => {} } as unknown as ExecutionContext;
    const call = async (jar: Jar, path: string) => {
      const request = jar.request(`https://example.com${path}`) as Request<
        unknown,
        IncomingRequestCfProperties
      >;
      const response = await worker.fetch(request, workerEnv, ctx);
      jar.apply(response.headers);
      return (await response.json()) as { user: string | null; reason: string | null };
    };
    const copy = (jar: Jar) => {
      const stolen = new Jar();
      for (const name of jar.names()) stolen.set(name, jar.get(name) ?? "");
      return stolen;
    };
    const user = `ada-${unique()}`;
    const [laptop, phone] = [new Jar(), new Jar()];
    expect((await call(laptop, `/login?user=${user}`)).user).toBe(user);
    expect((await call(phone, `/login?user=${user}`)).user).toBe(user);
    const stolen = copy(laptop);
    expect((await call(laptop, "/logout")).user).toBeNull();
    expect(await call(stolen, "/me")).toEqual({ user: null, reason: "revoked" });
    expect((await call(phone, "/me")).user).toBe(user);
    const phoneCopy = copy(phone);
    expect((await call(phone, "/logout-all")).user).toBeNull();
    expect(await call(phoneCopy, "/me")).toEqual({ user: null, reason: "revoked" });
    const tablet = new Jar();
    expect((await call(tablet, `/login?user=${user}`)).user).toBe(user);
    expect((await call(tablet, "/me")).user).toBe(user);
  });
});

describe("conformance: the Durable Object registry", () => {
  const registry = () => durableObjectRegistry(env.SESSION_REGISTRY, { namingKey });
  registryConformance(suite, registry, "durable object registry");
  managerRegistry(suite, registry, "durable object registry");
});

describe("durableObjectRegistry", () => {
  it("one object per user, named by a keyed hash; an alarm purges expired entries and ended ids", async () => {
    const names: string[] = [];
    const namespace = {
      getByName(name: string) {
        names.push(name);
        return env.SESSION_REGISTRY.getByName(name);
      },
    } as unknown as typeof env.SESSION_REGISTRY;
    const store = durableObjectRegistry(namespace, { namingKey });
    const user = `grace.hopper+${unique()}@example.com`;
    const now = Date.now();
    const entry = (expiresAt: number) => ({
      handle: unique(),
      sessionId: unique(),
      createdAt: now,
      expiresAt,
      label: "Chrome on Linux",
      kind: "cookie",
    });
    const [short, long] = [entry(now), entry(now + 3_600_000)];
    await store.register(user, short, { max: 10, now });
    await store.register(user, long, { max: 10, now });
    await store.remove(user, unique(), { now, expiresAt: now });
    expect(new Set(names).size).toBe(1);
    expect(names[0]).toMatch(/^u:[\w-]{43}$/);
    expect(names[0]).not.toContain("grace");
    const stub = env.SESSION_REGISTRY.getByName(names[0]!);
    const rows = () =>
      runInDurableObject(stub, (_, state) => ({
        sessions: state.storage.sql.exec("SELECT handle FROM _ss_sessions").toArray().length,
        ended: state.storage.sql.exec("SELECT session_id FROM _ss_ended").toArray().length,
      }));
    expect(await rows()).toEqual({ sessions: 2, ended: 1 });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await rows()).toEqual({ sessions: 1, ended: 0 });
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeGreaterThan(
      now + 3_000_000,
    );
    await runInDurableObject(stub, (instance, state) => {
      expect(instance).toBeInstanceOf(SessionRegistry);
      expect(state.storage.sql.exec("SELECT version FROM _ss_schema").toArray()).toEqual([
        { version: 1 },
        { version: 2 },
      ]);
    });
  });

  it("refuses a missing binding or a short naming key at start-up", () => {
    expect(() => durableObjectRegistry(undefined as never, { namingKey })).toThrow(TypeError);
    expect(() => durableObjectRegistry(env.SESSION_REGISTRY, { namingKey: "short" })).toThrow(ConfigError);
  });
});

describe("conformance: the Durable Object data store", () => {
  dataStoreConformance(suite, () => durableObjectStore(env.SESSION_DATA), "durable object store");
  managerStore(suite, () => durableObjectStore(env.SESSION_DATA), "durable object store");
});

describe("conformance: the Workers KV data store (single writer: no concurrency cases)", () => {
  dataStoreConformance(suite, () => kvStore(env.SESSIONS, { prefix: `t-${unique()}:` }), "kv data store", {
    atomic: false,
  });
});

describe("durableObjectStore", () => {
  it("one object per record, named by its random key; an alarm deletes it once its session expired", async () => {
    const store = durableObjectStore(env.SESSION_DATA);
    const key = unique();
    const now = Date.now();
    await store.create(
      key,
      { sessionId: unique(), data: '{"cart":{}}', expiresAt: now },
      { now, maxBytes: 65_536 },
    );
    const stub = env.SESSION_DATA.getByName(`d:${key}`);
    const rows = () =>
      runInDurableObject(stub, (instance, state) => {
        expect(instance).toBeInstanceOf(SessionDataStore);
        return state.storage.sql.exec("SELECT session_id FROM _ss_record").toArray().length;
      });
    expect(await rows()).toBe(1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await rows()).toBe(0);
    expect(await store.get(key, { now })).toBeNull();
  });

  it("an idle refresh writes no alarm: one that fires before the record's later purge time re-arms", async () => {
    const store = durableObjectStore(env.SESSION_DATA);
    const key = unique();
    const sessionId = unique();
    const now = Date.now();
    await store.create(key, { sessionId, data: "{}", expiresAt: now + 3_600_000 }, { now, maxBytes: 65_536 });
    const stub = env.SESSION_DATA.getByName(`d:${key}`);
    const alarm = () => runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    const first = await alarm();
    expect(await store.touch(key, sessionId, { now, expiresAt: now + 7_200_000 })).toBe(true);
    expect(await alarm()).toBe(first);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await store.get(key, { now: now + 3_700_000 })).not.toBeNull();
    expect(await alarm()).toBeGreaterThan(first! + 3_000_000);
  });

  it("20 concurrent cart lines from one cookie all land (the issue's concurrency case, in workerd)", async () => {
    const sessions = createSessions<{ cart?: Record<string, number> }>({
      secrets: generateSecret(),
      store: durableObjectStore(env.SESSION_DATA),
    });
    const jar = new Jar();
    const first = await sessions.load(jar.request());
    first.data.cart = {};
    first.moveToStore();
    const headers = new Headers();
    await sessions.commit(first, headers);
    jar.apply(headers);
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const session = await sessions.load(jar.request());
        session.data.cart = { ...session.data.cart, [`sku-${i}`]: 1 };
        await sessions.commit(session, new Headers());
      }),
    );
    const cart = (await sessions.load(jar.request())).data.cart ?? {};
    expect(Object.keys(cart).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `sku-${i}`).sort());
  });
});
