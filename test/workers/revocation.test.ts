// The Workers KV revocation store inside workerd, on miniflare KV (binding SESSIONS). Storage is
// shared within this file, so every test uses its own key prefix or random ids.
import { env } from "cloudflare:workers";
import { createSessions, generateSecret, type RevocationOptions } from "sealed-session";
import { type KvBindingLike, kvRevocationStore } from "sealed-session/revocation";
import { describe, expect, it } from "vitest";
import type { Suite } from "../harness.ts";
import { clock, Jar } from "../support/http.ts";
import {
  type FaultyStoreFactory,
  managerRevocation,
  managerUnconfirmed,
  revocationConformance,
  unconfirmedWrites,
} from "./kit.ts";

const suite: Suite = { test: (name, fn) => it(name, fn) };

const secrets = generateSecret();
const prefix = () => `t-${crypto.randomUUID().slice(0, 8)}:`;

describe("conformance", () => {
  revocationConformance(suite, (now) => kvRevocationStore(env.SESSIONS, { now }), "kv store");
  managerRevocation(suite, (now) => kvRevocationStore(env.SESSIONS, { now }), "kv store");
  // A new wrapper per store: its own memo, as in another isolate; writes fail when the case says so.
  const faulty: FaultyStoreFactory = (now, faults, options) =>
    kvRevocationStore(
      {
        get: (keys, getOptions) => env.SESSIONS.get(keys, getOptions),
        put: (key, value, putOptions) => faults.write(() => env.SESSIONS.put(key, value, putOptions)),
      },
      { now, ...options },
    );
  unconfirmedWrites(suite, faulty, "kv store");
  managerUnconfirmed(suite, faulty, "kv store");
});

/** A binding that counts KV operations: what a request costs. */
function counting(kv: KVNamespace = env.SESSIONS) {
  const ops = { get: 0, put: 0, keysRead: 0, cacheTtl: [] as (number | undefined)[] };
  const binding: KvBindingLike = {
    get(keys, options) {
      ops.get++;
      ops.keysRead += keys.length;
      ops.cacheTtl.push(options.cacheTtl);
      return kv.get(keys, options);
    },
    put(key, value, options) {
      ops.put++;
      return kv.put(key, value, options);
    },
  };
  return { binding, ops };
}

/** A browser logged in as `user`, and the request that did it. */
async function login(sessions: ReturnType<typeof createSessions>, user: string) {
  const jar = new Jar();
  const session = await sessions.load(jar.request());
  session.login(user);
  const headers = new Headers();
  await sessions.commit(session, headers);
  jar.apply(headers);
  return jar;
}

const b64u = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

describe("key names and TTLs", () => {
  it("a revoked session id is one key, kept for the session's remaining life + tolerance + margin", async () => {
    const keyPrefix = prefix();
    const sessions = createSessions({
      secrets,
      maxAge: 7200,
      clockTolerance: 5,
      revocation: kvRevocationStore(env.SESSIONS, { prefix: keyPrefix }),
    });
    const jar = await login(sessions, "ada");
    const session = await sessions.load(jar.request());
    session.destroy();
    const before = Date.now();
    await sessions.commit(session, new Headers());
    const after = Date.now();
    const { keys } = await env.SESSIONS.list({ prefix: keyPrefix });
    expect(keys.map((key) => key.name)).toEqual([`${keyPrefix}s:${session.id}`]);
    const until = session.expiresAt + 5000;
    expect(await env.SESSIONS.get(`${keyPrefix}s:${session.id}`)).toBe(String(until));
    expectExpiration(keys[0]?.expiration, { until, margin: 60, before, after });
  });

  it("a user's cutoff lives under a SHA-256 of the user id for maxAge + tolerance + margin", async () => {
    const keyPrefix = prefix();
    const sessions = createSessions({
      secrets,
      maxAge: 7200,
      clockTolerance: 5,
      revocation: kvRevocationStore(env.SESSIONS, { prefix: keyPrefix }),
    });
    const before = Date.now();
    await sessions.revokeUser("ada@example.com");
    const after = Date.now();
    const { keys } = await env.SESSIONS.list({ prefix: keyPrefix });
    const hash = b64u(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("ada@example.com")));
    expect(keys.map((key) => key.name)).toEqual([`${keyPrefix}u:${hash}`]);
    const cutoff = Number(await env.SESSIONS.get(`${keyPrefix}u:${hash}`));
    expect(cutoff).toBeGreaterThanOrEqual(before);
    expect(cutoff).toBeLessThanOrEqual(after);
    expectExpiration(keys[0]?.expiration, { until: cutoff + (7200 + 5) * 1000, margin: 60, before, after });
  });

  it("with a pepper the user key is an HMAC, so a guessed e-mail cannot be confirmed", async () => {
    const keyPrefix = prefix();
    const pepper = "a stable pepper that never changes";
    const store = kvRevocationStore(env.SESSIONS, { prefix: keyPrefix, pepper });
    await store.revokeUser({ userId: "ada@example.com", cutoff: Date.now(), until: Date.now() + 60_000 });
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(pepper),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = b64u(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("ada@example.com")));
    const { keys } = await env.SESSIONS.list({ prefix: keyPrefix });
    expect(keys.map((entry) => entry.name)).toEqual([`${keyPrefix}u:${mac}`]);
  });

  it("never asks KV for a TTL under its 60 s minimum", async () => {
    const keyPrefix = prefix();
    const store = kvRevocationStore(env.SESSIONS, { prefix: keyPrefix, margin: 0 });
    // Miniflare rejects expirationTtl < 60 like KV does, so this put would throw without the floor.
    const before = Date.now();
    await store.revokeSession({ sessionId: "almost-expired-session-id", until: before + 1000 });
    const after = Date.now();
    const { keys } = await env.SESSIONS.list({ prefix: keyPrefix });
    expect(keys[0]?.expiration).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 60);
    expect(keys[0]?.expiration).toBeLessThanOrEqual(Math.floor(after / 1000) + 60);
  });
});

/**
 * Checks a key's expiration (whole seconds) against a write made between `before` and `after` (ms,
 * read around it): the store asked for ceil((until - its now) / 1000) + margin seconds, and KV
 * counted them from its own clock's second when the write arrived. Both clocks read inside that
 * interval, so the bounds hold however slow the write was, and are a second or two apart when it is quick.
 */
function expectExpiration(
  expiration: number | undefined,
  { until, margin, before, after }: { until: number; margin: number; before: number; after: number },
) {
  const ttl = (now: number) => Math.ceil((until - now) / 1000) + margin;
  expect(expiration).toBeGreaterThanOrEqual(Math.floor(before / 1000) + ttl(after));
  expect(expiration).toBeLessThanOrEqual(Math.floor(after / 1000) + ttl(before));
}

describe("reads per request", () => {
  /** A manager over a counting binding with an injected clock shared by store and manager. */
  function setup(revocation: Partial<RevocationOptions> = {}, memoTtl = 5000) {
    const time = clock(Date.now());
    const { binding, ops } = counting();
    const store = kvRevocationStore(binding, { now: time.now, memoTtl });
    const sessions = createSessions({
      secrets,
      maxAge: 3600,
      now: time.now,
      revocation: { store, ...revocation },
    });
    return { time, binding, ops, store, sessions };
  }

  it("a cold request costs one KV operation; sequential ones within the memo's life cost none", async () => {
    const { time, ops, sessions } = setup();
    const jar = await login(sessions, `ada-${crypto.randomUUID()}`);
    expect(ops).toMatchObject({ get: 0, put: 0 });
    await sessions.load(jar.request());
    expect(ops).toMatchObject({ get: 1, keysRead: 2, cacheTtl: [30] });
    for (let i = 0; i < 4; i++) {
      time.advance(1);
      expect((await sessions.load(jar.request())).invalidReason).toBeUndefined();
    }
    time.advance(0.999);
    await sessions.load(jar.request());
    expect(ops.get).toBe(1);
    time.advance(0.001);
    await sessions.load(jar.request());
    expect(ops.get).toBe(2);
  });

  it("anonymous requests cost no KV operation by default", async () => {
    const { ops, sessions } = setup();
    const jar = new Jar();
    const session = await sessions.load(jar.request());
    session.data.n = 1;
    const headers = new Headers();
    await sessions.commit(session, headers);
    jar.apply(headers);
    await sessions.load(jar.request());
    expect(ops).toMatchObject({ get: 0, put: 0 });
  });

  it("a local logout writes through: this isolate rejects the old cookie at once, without a read", async () => {
    const { binding, ops, sessions, time } = setup();
    const jar = await login(sessions, `ada-${crypto.randomUUID()}`);
    const stolen = new Jar();
    stolen.set(sessions.cookieName, jar.get(sessions.cookieName) ?? "");
    const session = await sessions.load(jar.request());
    expect(ops.get).toBe(1);
    session.destroy();
    await sessions.commit(session, new Headers());
    expect(ops.put).toBe(1);
    expect((await sessions.load(stolen.request())).invalidReason).toBe("revoked");
    // A store made per request over the same binding shares the memo (a WeakMap on the binding).
    const again = createSessions({
      secrets,
      maxAge: 3600,
      now: time.now,
      revocation: kvRevocationStore(binding, { now: time.now }),
    });
    time.advance(60);
    expect((await again.load(stolen.request())).invalidReason).toBe("revoked");
    expect(ops.get).toBe(1);
  });

  it("revokeUser writes through too", async () => {
    const { ops, sessions } = setup();
    const user = `ada-${crypto.randomUUID()}`;
    const jar = await login(sessions, user);
    await sessions.load(jar.request());
    await sessions.revokeUser(user);
    expect((await sessions.load(jar.request())).invalidReason).toBe("revoked");
    expect(ops).toMatchObject({ get: 1, put: 1 });
  });

  it("another isolate's revocation shows here once the memo's answer is stale", async () => {
    const { time, sessions } = setup();
    const user = `ada-${crypto.randomUUID()}`;
    const jar = await login(sessions, user);
    expect((await sessions.load(jar.request())).userId).toBe(user);
    // Another isolate: its own binding object, hence its own memo, same namespace.
    const elsewhere = createSessions({
      secrets,
      maxAge: 3600,
      now: time.now,
      revocation: kvRevocationStore(counting().binding, { now: time.now }),
    });
    await elsewhere.revokeUser(user);
    time.advance(4);
    expect((await sessions.load(jar.request())).userId).toBe(user);
    time.advance(1);
    expect((await sessions.load(jar.request())).invalidReason).toBe("revoked");
  });
});

describe("the memo keeps what this isolate revoked", () => {
  it("even when the KV write failed, and through a flood of other sessions' lookups", async () => {
    const time = clock(Date.now());
    const { binding: counted, ops } = counting();
    // Reads reach KV; writes fail, as on a free plan past its daily write cap.
    const binding: KvBindingLike = {
      get: counted.get,
      put: () => Promise.reject(new Error("KV PUT failed: 429")),
    };
    const store = kvRevocationStore(binding, { now: time.now, memoSize: 4 });
    const sessions = createSessions({
      secrets,
      now: time.now,
      revocation: { store, onStoreError: () => undefined },
    });
    const jar = await login(sessions, `ada-${crypto.randomUUID()}`);
    const stolen = new Jar();
    stolen.set(sessions.cookieName, jar.get(sessions.cookieName) ?? "");
    const session = await sessions.load(jar.request());
    session.destroy();
    const { revocationError } = await sessions.commit(session, new Headers());
    expect(revocationError?.code).toBe("revocation_write_failed");
    for (let i = 0; i < 10; i++) {
      const other = await login(sessions, `user-${i}-${crypto.randomUUID()}`);
      await sessions.load(other.request());
    }
    const readsBefore = ops.get;
    expect((await sessions.load(stolen.request())).invalidReason).toBe("revoked");
    expect(ops.get).toBe(readsBefore);
  });

  it("answers from what it read, however small the memo", async () => {
    const now = Date.now();
    const [sessionId, userId] = [crypto.randomUUID(), `ada-${crypto.randomUUID()}`];
    // Another isolate revokes the id, and the user's sessions up to an earlier time.
    const elsewhere = kvRevocationStore(counting().binding);
    await elsewhere.revokeUser({ userId, cutoff: now - 60_000, until: now + 60_000 });
    await elsewhere.revokeSession({ sessionId, until: now + 60_000 });
    const tiny = kvRevocationStore(counting().binding, { memoSize: 1 });
    expect(await tiny.isRevoked({ sessionId, userId, issuedAt: now - 1000 })).toBe(true);
  });

  it("rejects nonsensical store options at start-up", () => {
    for (const options of [{ memoTtl: -1 }, { margin: Number.NaN }, { memoSize: 0 }, { maxPending: 0 }]) {
      expect(() => kvRevocationStore(env.SESSIONS, options)).toThrow(/must be a number/);
    }
  });
});

describe("failures", () => {
  const broken = (how: "throw" | "hang"): KvBindingLike => ({
    get: () => (how === "throw" ? Promise.reject(new Error("KV GET failed: 503")) : new Promise(() => {})),
    put: () => (how === "throw" ? Promise.reject(new Error("KV PUT failed: 429")) : new Promise(() => {})),
  });

  for (const how of ["throw", "hang"] as const) {
    it(`a KV that ${how}s fails closed by default and open on request`, async () => {
      const time = clock(Date.now());
      const user = `ada-${crypto.randomUUID()}`;
      const healthy = createSessions({ secrets, now: time.now });
      const jar = await login(healthy, user);
      const make = (onStoreError: "closed" | "open") =>
        createSessions({
          secrets,
          now: time.now,
          revocation: { store: kvRevocationStore(broken(how), { now: time.now }), timeout: 20, onStoreError },
        });
      const closed = await make("closed").load(jar.request());
      expect(closed.invalidReason).toBe("revocation_unavailable");
      expect(closed.readOnly).toBe(true);
      const headers = new Headers();
      await make("closed").commit(closed, headers);
      expect(headers.getSetCookie()).toEqual([]);
      const open = await make("open").load(jar.request());
      expect(open.userId).toBe(user);
    });
  }

  it("a failed KV write still logs out locally and reports a typed error", async () => {
    const events: string[] = [];
    const sessions = createSessions({
      secrets,
      revocation: {
        store: kvRevocationStore(broken("throw")),
        onStoreError: (event) => {
          events.push(`${event.operation}:${event.kind}`);
          return "open";
        },
      },
    });
    const jar = await login(sessions, "ada");
    const current = await sessions.load(jar.request());
    expect(current.userId).toBe("ada");
    current.destroy();
    const headers = new Headers();
    const result = await sessions.commit(current, headers);
    expect(result.revocationError?.code).toBe("revocation_write_failed");
    jar.apply(headers);
    expect(jar.names()).toEqual([]);
    expect(events).toEqual(["check:error", "revokeSession:error"]);
  });
});

describe("examples/worker-revocation.ts", () => {
  it("logout and logout-all revoke: replayed cookies come back anonymous", async () => {
    const { default: worker } = await import("../../examples/worker-revocation.ts");
    const pending: Promise<unknown>[] = [];
    const ctx = { waitUntil: (promise: Promise<unknown>) => pending.push(promise) };
    const workerEnv = { SESSION_SECRETS: secrets, SESSIONS: env.SESSIONS };
    const call = async (jar: Jar, path: string) => {
      const request = jar.request(`https://example.com${path}`) as Request<
        unknown,
        IncomingRequestCfProperties
      >;
      const response = await worker.fetch(request, workerEnv, ctx as unknown as ExecutionContext);
      jar.apply(response.headers);
      return (await response.json()) as { user: string | null; revocationPending?: boolean };
    };
    const user = `ada-${crypto.randomUUID()}`;
    const [laptop, phone] = [new Jar(), new Jar()];
    expect((await call(laptop, `/login?user=${user}`)).user).toBe(user);
    expect((await call(phone, `/login?user=${user}`)).user).toBe(user);
    const copy = (jar: Jar) => {
      const stolen = new Jar();
      for (const name of jar.names()) stolen.set(name, jar.get(name) ?? "");
      return stolen;
    };
    const [laptopCopy, phoneCopy, tablet] = [copy(laptop), copy(phone), new Jar()];
    expect(await call(laptop, "/logout")).toEqual({ user: null, revocationPending: false });
    expect((await call(laptopCopy, "/me")).user).toBeNull();
    expect((await call(phone, "/me")).user).toBe(user);
    expect((await call(tablet, `/login?user=${user}`)).user).toBe(user);
    expect((await call(phone, "/logout-all")).user).toBeNull();
    expect((await call(phoneCopy, "/me")).user).toBeNull();
    expect((await call(tablet, "/me")).user).toBeNull();
    expect(pending).toEqual([]);
  });
});
