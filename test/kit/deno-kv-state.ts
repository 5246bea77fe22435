/**
 * Conformance kit, the session registry and the data store on Deno KV: the registry kits
 * (registryConformance, managerRegistry, managerRefresh for refresh-token families) over `denoKvRegistry`, the data-store kits
 * (dataStoreConformance, managerStore) over `denoKvStore`, and what only Deno KV can show — key
 * layout, no user ids, values split into parts under the 64 KiB limit and read back whole (never a
 * mix of two writes), the expiry kept in the value, what a missing key reads as, and writers that
 * do not share a process. Runs under the real `deno` (--unstable-kv) on `Deno.openKv(":memory:")`
 * from test/runtimes/deno/deno-kv-state.test.ts; typed structurally, so it loads anywhere (the
 * runner counts its tests under Node). Every store uses its own key prefix.
 */
import assert from "node:assert/strict";
import { createSessions, generateSecret, type Session, type Sessions } from "sealed-session";
import { type DenoKvAtomicLike, denoKvRegistry, type RegistryStore } from "sealed-session/registry";
import { type DataStore, denoKvStore } from "sealed-session/store";
import type { Suite } from "../harness.ts";
import { Jar } from "../support/http.ts";
import { dataStoreConformance } from "./data-store.ts";
import { managerRefresh } from "./refresh.ts";
import { entry, hmac, registryConformance } from "./registry.ts";
import { managerRegistry } from "./registry-manager.ts";
import { managerStore } from "./store-manager.ts";

type Key = readonly (string | number | bigint | boolean | Uint8Array)[];

/** `Deno.Kv` as these tests use it: the stores' part, plus listing and raw writes to inspect and meddle. */
export interface InspectableKv extends DenoKvAtomicLike {
  list(selector: { prefix: Key }): AsyncIterable<{ key: readonly unknown[]; value: unknown }>;
  set(key: Key, value: unknown): Promise<unknown>;
  delete(key: Key): Promise<void>;
}

const id = () => crypto.randomUUID().replaceAll("-", "").slice(0, 22);
const prefixOf = () => ["t", id().slice(0, 10)];
const NAMING_KEY = "kit-naming-key-0123456789abcdefghijklmnopqrstuvwxyz";
const HOUR = 3_600_000;
const MAX = 65_536;
const secrets = generateSecret();

async function listed(kv: InspectableKv, prefix: Key) {
  const out: { key: Key; value: unknown }[] = [];
  // Every key here is one these stores wrote: parts of the types Key allows.
  for await (const item of kv.list({ prefix })) out.push({ key: item.key as Key, value: item.value });
  return out;
}

/** Incompressible text of `length` characters. */
function noise(length: number): string {
  let out = "";
  while (out.length < length) {
    // getRandomValues gives at most 65,536 bytes a call.
    const bytes = crypto.getRandomValues(new Uint8Array(3 * 4096));
    out += btoa(String.fromCharCode(...bytes));
  }
  return out.slice(0, length);
}

type Data = { cart?: Record<string, number>; blob?: string };
type Manager = Sessions<Data, Record<string, unknown>>;

/** Number of tests `denoKvStateConformance` registers (scripts/runtimes.mjs checks the deno run). */
export function denoKvStateTestCount(): number {
  let count = 0;
  denoKvStateConformance({ test: () => void count++ }, {} as InspectableKv, "count");
  return count;
}

export function denoKvStateConformance(t: Suite, kv: InspectableKv, label: string): void {
  const registry = (options: { prefix?: Key; attempts?: number } = {}) =>
    denoKvRegistry(kv, { namingKey: NAMING_KEY, prefix: prefixOf(), ...options });
  const store = (options: { prefix?: Key; attempts?: number } = {}) =>
    denoKvStore(kv, { prefix: prefixOf(), ...options });
  registryConformance(t, () => registry(), `${label} registry`);
  managerRegistry(t, () => registry(), `${label} registry`);
  managerRefresh(t, () => registry(), `${label} registry`);
  dataStoreConformance(t, () => store(), `${label} store`);
  managerStore(t, () => store(), `${label} store`);

  t.test(
    `${label}: registry keys: the user's keyed hash, ended ids beside it, expiry in the value`,
    async () => {
      const prefix = prefixOf();
      const sessions = registry({ prefix });
      const user = `lovelace-${id()}@example.com`;
      const now = Date.now();
      const [kept, ended] = [entry(now), entry(now, { expiresAt: now + 2 * HOUR })];
      await sessions.register(user, kept, { max: 10, now });
      await sessions.register(user, ended, { max: 10, now });
      await sessions.remove(user, ended.sessionId, { now, expiresAt: ended.expiresAt });
      const hash = await hmac(user, NAMING_KEY);
      const items = await listed(kv, prefix);
      assert.deepEqual(
        items.map((item) => item.key),
        [
          [...prefix, "u", hash],
          [...prefix, "x", hash, ended.sessionId],
        ],
      );
      for (const item of items) {
        assert.ok(!item.key.some((part) => String(part).includes("lovelace")), "no user id in a key");
      }
      const head = items[0]?.value as { n: number; g: string; b: Uint8Array };
      assert.equal(head.n, 1, "one part");
      const stored = JSON.parse(new TextDecoder().decode(head.b));
      assert.deepEqual(
        stored.entries.map((e: { sessionId: string; expiresAt: number }) => [e.sessionId, e.expiresAt]),
        [[kept.sessionId, kept.expiresAt]],
        "each entry keeps its expiry (expireIn is only a hint)",
      );
      assert.equal(items[1]?.value, ended.expiresAt);
    },
  );

  t.test(`${label}: a user past 64 KiB is stored in parts and read back whole`, async () => {
    const prefix = prefixOf();
    const sessions = registry({ prefix });
    const user = `ada-${id()}`;
    const now = Date.now();
    // 400 entries with long labels: well past one 64 KiB value.
    const entries = Array.from({ length: 400 }, (_, i) =>
      entry(now + i, { label: `${"é".repeat(40)} ${i}`.slice(0, 64), kind: "cookie" }),
    );
    for (const e of entries) await sessions.register(user, e, { max: 1000, now: e.createdAt });
    const items = await listed(kv, [...prefix, "u"]);
    const head = items.find((item) => item.key.length === prefix.length + 2)?.value as {
      n: number;
      g: string;
    };
    assert.ok(head.n > 1, `${head.n} parts`);
    assert.equal(items.length, head.n, "the head and its parts, nothing else");
    for (const item of items) assert.equal((item.value as { g: string }).g, head.g, "one generation");
    const list = await sessions.list(user, { now: now + 1000 });
    assert.equal(list.length, 400);
    assert.equal(list[0]?.sessionId, entries[399]?.sessionId);
    // "Log out everywhere" of 400 sessions: every ended id is written (past one commit's worth).
    const ended = await sessions.endAll(user, { now: now + 2000 });
    assert.equal(ended.length, 400);
    assert.equal((await listed(kv, [...prefix, "x"])).length, 400);
    assert.equal((await listed(kv, [...prefix, "u"])).length, 1, "stale parts deleted in the same commit");
    const copy = { ...entry(now), sessionId: entries[123]?.sessionId ?? "", issuedAt: now + 5000 };
    assert.equal(await sessions.adopt(user, copy, { max: 10, now: now + 3000 }), null);
  });

  t.test(
    `${label}: store records: one key when small, parts past 60,000 bytes, all under one generation`,
    async () => {
      const prefix = prefixOf();
      const records = store({ prefix });
      const now = Date.now();
      const [key, sessionId] = [id(), id()];
      await records.create(
        key,
        { sessionId, data: JSON.stringify({ a: 1 }), expiresAt: now + HOUR },
        {
          now,
          maxBytes: 1_000_000,
        },
      );
      assert.equal((await listed(kv, [...prefix, key])).length, 0, "no parts");
      const big = noise(500_000);
      await records.patch(
        key,
        { sessionId, patch: { set: [[["blob"], JSON.stringify(big)]], del: [] }, expiresAt: now + HOUR },
        { now, maxBytes: 1_000_000 },
      );
      const parts = await listed(kv, [...prefix, key]);
      assert.equal(parts.length, 8, "500,017 bytes: the head and 8 parts");
      const [headItem] = await listed(kv, prefix);
      const head = headItem?.value as { s: string; e: number; n: number; g: string };
      assert.deepEqual([head.s, head.e, head.n], [sessionId, now + HOUR, 9]);
      for (const part of parts) assert.equal((part.value as { g: string }).g, head.g);
      assert.equal(JSON.parse((await records.get(key, { now }))?.data ?? "null").blob, big);
      // Shrinking deletes the parts in the same commit; delete removes the head and every part.
      await records.patch(
        key,
        { sessionId, patch: { set: [], del: [["blob"]] }, expiresAt: now + HOUR },
        { now, maxBytes: 1_000_000 },
      );
      assert.deepEqual(await listed(kv, [...prefix, key]), []);
      await records.patch(
        key,
        {
          sessionId,
          patch: { set: [[["blob"], JSON.stringify(noise(130_000))]], del: [] },
          expiresAt: now + HOUR,
        },
        { now, maxBytes: 1_000_000 },
      );
      assert.equal((await listed(kv, [...prefix, key])).length, 2);
      await records.delete(key, { now });
      assert.deepEqual(await listed(kv, prefix), []);
      // Past what one commit may carry, even when maxBytes allows more.
      const refused = await records.create(
        id(),
        { sessionId, data: JSON.stringify({ blob: noise(600_000) }), expiresAt: now + HOUR },
        { now, maxBytes: 10_000_000 },
      );
      assert.equal(!refused.ok && refused.reason, "too_large");
    },
  );

  t.test(
    `${label}: patches of a record in parts while it is read: every read is one whole write`,
    async () => {
      const prefix = prefixOf();
      const records = store({ prefix });
      const now = Date.now();
      const [key, sessionId] = [id(), id()];
      const version = (n: number): string => JSON.stringify({ n, blob: String(n % 10).repeat(150_000) });
      await records.create(
        key,
        { sessionId, data: version(0), expiresAt: now + HOUR },
        { now, maxBytes: 1_000_000 },
      );
      // Writers as separate store objects (no shared in-process lock), each rewriting every part.
      const writers = Array.from({ length: 10 }, (_, i) =>
        store({ prefix, attempts: 200 }).patch(
          key,
          {
            sessionId,
            patch: {
              set: [
                [["n"], String(i + 1)],
                [["blob"], JSON.stringify(String((i + 1) % 10).repeat(150_000))],
              ],
              del: [],
            },
            expiresAt: now + HOUR,
          },
          { now, maxBytes: 1_000_000 },
        ),
      );
      const readers = Array.from({ length: 20 }, async () => {
        const data = JSON.parse((await records.get(key, { now }))?.data ?? "null") as {
          n: number;
          blob: string;
        };
        assert.equal(data.blob, String(data.n % 10).repeat(150_000), "never parts of two writes");
      });
      const outcomes = await Promise.all(writers);
      await Promise.all(readers);
      assert.ok(outcomes.every((outcome) => outcome.ok));
    },
  );

  t.test(`${label}: a write between reading a head and its parts: the read starts over, whole`, async () => {
    const prefix = prefixOf();
    const writer = store({ prefix });
    const now = Date.now();
    const [key, sessionId] = [id(), id()];
    const data = (c: string) => JSON.stringify({ blob: c.repeat(150_000) });
    await writer.create(
      key,
      { sessionId, data: data("a"), expiresAt: now + HOUR },
      { now, maxBytes: 1_000_000 },
    );
    // A reader whose first read of the parts comes after another process rewrote the record.
    let heads = 0;
    let meddled = false;
    const reader = denoKvStore(
      {
        atomic: () => kv.atomic(),
        async getMany(keys) {
          if (keys.length === 1 && keys[0]?.length === prefix.length + 1) heads++;
          else if (!meddled) {
            meddled = true;
            const patch = { set: [[["blob"], JSON.stringify("b".repeat(150_000))] as const], del: [] };
            await writer.patch(
              key,
              { sessionId, patch, expiresAt: now + HOUR },
              { now, maxBytes: 1_000_000 },
            );
          }
          return kv.getMany(keys);
        },
      },
      { prefix },
    );
    assert.equal((await reader.get(key, { now }))?.data, data("b"), "the newer write, whole");
    assert.equal(heads, 2, "the head was read again");
  });

  t.test(
    `${label}: a part from another write fails the read (fail closed), never a mixed record`,
    async () => {
      const prefix = prefixOf();
      const records = store({ prefix, attempts: 3 });
      const now = Date.now();
      const [key, sessionId] = [id(), id()];
      await records.create(
        key,
        { sessionId, data: JSON.stringify({ blob: noise(100_000) }), expiresAt: now + HOUR },
        { now, maxBytes: 1_000_000 },
      );
      await kv.set([...prefix, key, 1], { g: "another-write", b: new Uint8Array(10) });
      await assert.rejects(records.get(key, { now }), /kept changing/);
      await kv.set([...prefix, key], { s: sessionId, e: "soon", n: 1, g: "x", b: new Uint8Array(2) });
      await assert.rejects(records.get(key, { now }), TypeError);
    },
  );

  t.test(`${label}: expiry is judged on the value: a record or entry past it reads as none`, async () => {
    const records = store();
    const sessions = registry();
    const now = Date.now();
    const [key, sessionId, user] = [id(), id(), `ada-${id()}`];
    await records.create(key, { sessionId, data: "{}", expiresAt: now + 1000 }, { now, maxBytes: MAX });
    assert.notEqual(await records.get(key, { now: now + 1000 }), null);
    assert.equal(
      await records.get(key, { now: now + 1001 }),
      null,
      "KV may still hold it: expireIn is a hint",
    );
    const e = entry(now, { expiresAt: now + 1000 });
    await sessions.register(user, e, { max: 10, now });
    assert.equal(await sessions.check(user, e.sessionId, { now: now + 1001, touchAfter: HOUR }), null);
  });

  t.test(`${label}: a missing user reads as ended, a missing record as revoked`, async () => {
    const [rPrefix, sPrefix] = [prefixOf(), prefixOf()];
    const sessions = createSessions<Data>({
      secrets,
      maxAge: 3600,
      registry: { store: registry({ prefix: rPrefix }), timeout: 60_000 },
      store: { store: store({ prefix: sPrefix }), mode: "always", timeout: 60_000 },
    }) as Manager;
    const jar = new Jar();
    await visit(sessions, jar, (s) => {
      s.login(`ada-${id()}`);
      s.data.cart = { book: 1 };
    });
    assert.equal((await sessions.load(jar.request())).invalidReason, undefined);
    for (const { key } of await listed(kv, sPrefix)) await kv.delete(key);
    const noRecord = await sessions.load(jar.request());
    assert.equal(noRecord.invalidReason, "revoked");
    const other = new Jar();
    await visit(sessions, other, (s) => s.login(`bob-${id()}`));
    for (const { key } of await listed(kv, rPrefix)) await kv.delete(key);
    assert.equal((await sessions.load(other.request())).invalidReason, "revoked");
  });

  t.test(
    `${label}: writers that share no process: 50 logins with a cap of 3 leave 3; 20 cart lines all land`,
    async () => {
      // One store object per "process": no shared in-process lock, only the versionstamp checks.
      const [rPrefix, sPrefix] = [prefixOf(), prefixOf()];
      const registries = Array.from({ length: 10 }, () => registry({ prefix: rPrefix, attempts: 200 }));
      const user = `ada-${id()}`;
      const now = Date.now();
      const entries = Array.from({ length: 50 }, (_, i) => entry(now + i));
      const results = await Promise.all(
        entries.map((e, i) =>
          (registries[i % 10] as RegistryStore).register(user, e, { max: 3, now: e.createdAt }),
        ),
      );
      const ended = results.flatMap((r) => r.ended);
      assert.equal(ended.length, 47);
      assert.equal(new Set(ended).size, 47);
      assert.equal((await (registries[0] as RegistryStore).list(user, { now: now + 100 })).length, 3);

      const stores = Array.from({ length: 10 }, () => store({ prefix: sPrefix, attempts: 200 }));
      const [key, sessionId] = [id(), id()];
      await (stores[0] as DataStore).create(
        key,
        { sessionId, data: JSON.stringify({ cart: {} }), expiresAt: now + HOUR },
        { now, maxBytes: MAX },
      );
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (stores[i % 10] as DataStore).patch(
            key,
            {
              sessionId,
              patch: { set: [[["cart", `sku-${i}`], String(i)]], del: [] },
              expiresAt: now + HOUR,
            },
            { now, maxBytes: MAX },
          ),
        ),
      );
      assert.ok(outcomes.every((outcome) => outcome.ok));
      const cart = JSON.parse((await (stores[0] as DataStore).get(key, { now }))?.data ?? "null").cart;
      assert.equal(Object.keys(cart).length, 20);
    },
  );

  t.test(
    `${label}: calls per operation: check 1 read, login 1 read + 1 commit, read 1, patch 1 read + 1 commit (1 commit on the record as read)`,
    async () => {
      const calls: string[] = [];
      const counted: DenoKvAtomicLike = {
        getMany(keys) {
          calls.push(`read ${keys.length}`);
          return kv.getMany(keys);
        },
        atomic() {
          // Each method returns the operation itself: counting its commit counts every commit.
          const op = kv.atomic();
          const commit = op.commit.bind(op);
          return Object.assign(op, {
            commit: () => {
              calls.push("commit");
              return commit();
            },
          });
        },
      };
      const take = () => calls.splice(0);
      const sessions = denoKvRegistry(counted, { namingKey: NAMING_KEY, prefix: prefixOf() });
      const records = denoKvStore(counted, { prefix: prefixOf() });
      const [user, now] = [`ada-${id()}`, Date.now()];
      const e = entry(now);
      await sessions.register(user, e, { max: 10, now });
      assert.deepEqual(take(), ["read 1", "commit"], "login");
      await sessions.check(user, e.sessionId, { now, touchAfter: 300_000 });
      assert.deepEqual(take(), ["read 1"], "check");
      await sessions.list(user, { now });
      assert.deepEqual(take(), ["read 1"], "list");
      await sessions.remove(user, e.sessionId, { now, expiresAt: e.expiresAt });
      assert.deepEqual(take(), ["read 1", "read 1", "commit"], "logout: the user and the ended id");
      const [key, sessionId] = [id(), id()];
      await records.create(key, { sessionId, data: "{}", expiresAt: now + HOUR }, { now, maxBytes: MAX });
      assert.deepEqual(take(), ["read 1", "commit"], "create (read: never over a live record)");
      await records.get(key, { now });
      assert.deepEqual(take(), ["read 1"], "read");
      const patch = { set: [[["blob"], JSON.stringify(noise(100_000))] as const], del: [] };
      await records.patch(key, { sessionId, patch, expiresAt: now + HOUR }, { now, maxBytes: 1_000_000 });
      assert.deepEqual(take(), ["read 1", "commit"], "patch");
      await records.get(key, { now });
      assert.deepEqual(take(), ["read 1", "read 1"], "read of a record in 2 parts: the head, then its part");
      await records.touch(key, sessionId, { now, expiresAt: now + 2 * HOUR });
      assert.deepEqual(take(), ["read 1", "read 1", "commit"], "idle refresh");
      // Given the record as this request read it (its version), a write makes no read of its own.
      const read = await records.get(key, { now });
      take();
      const note = { set: [[["note"], '"hi"'] as const], del: [] };
      await records.patch(
        key,
        { sessionId, patch: note, expiresAt: now + 2 * HOUR, base: read! },
        { now, maxBytes: 1_000_000 },
      );
      assert.deepEqual(take(), ["commit"], "patch with the record as read");
      // That record has moved on: the commit on it is refused, and the write reads and commits again.
      await records.touch(key, sessionId, { now, expiresAt: now + 3 * HOUR, base: read! });
      assert.deepEqual(take(), ["commit", "read 1", "read 1", "commit"], "idle refresh with a stale record");
      const after = await records.get(key, { now });
      assert.equal(after?.expiresAt, now + 3 * HOUR);
      assert.equal(JSON.parse(after?.data ?? "{}").note, "hi", "the patch on the record as read stayed");
      take();
      await records.delete(key, { now });
      assert.deepEqual(take(), ["commit"], "delete");
    },
  );

  t.test(`${label}: options and the client are checked when a backend is built`, () => {
    assert.throws(() => denoKvRegistry(kv, {} as never), { code: "invalid_config", message: /namingKey/ });
    assert.throws(() => denoKvStore(kv, { attempts: 0 }), { code: "invalid_config", message: /attempts/ });
    assert.throws(() => denoKvStore({} as never), /denoKvStore\(kv\) needs a Deno.Kv/);
    assert.throws(() => denoKvRegistry({} as never, { namingKey: NAMING_KEY }), /denoKvRegistry\(kv\)/);
  });
}

async function visit(sessions: Manager, jar: Jar, act?: (session: Session<Data>) => void) {
  const session = await sessions.load(jar.request());
  act?.(session);
  const headers = new Headers();
  await sessions.commit(session, headers);
  return jar.apply(headers);
}
