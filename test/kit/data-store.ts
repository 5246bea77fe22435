/**
 * Conformance kit, data stores: what every `DataStore` must do, whatever holds the records — memory on
 * every runtime (test/cases/store.cases.ts), the Durable Object and Workers KV in workerd, Redis and Deno
 * KV. Keys and ids are random, so stores sharing a backend never collide. Capability flags skip what a
 * backend cannot promise (Workers KV: no atomic patches, so no concurrency cases).
 */
import assert from "node:assert/strict";
import type { DataStore, Patch } from "sealed-session/store";
import type { Suite } from "../harness.ts";

export type DataStoreFactory = () => DataStore | Promise<DataStore>;

export interface DataStoreCapabilities {
  /** Patches are applied atomically, so concurrent patches to different paths all land. Default true. */
  readonly atomic?: boolean;
}

const HOUR = 3_600_000;
/** Now, to the second, when the kit loads: real backends keep TTLs relative to their own clock. */
const T0 = Math.floor(Date.now() / 1000) * 1000;
const randomId = () => crypto.randomUUID().replaceAll("-", "").slice(0, 22);
const MAX = 65_536;
const opts = (now = T0) => ({ now, maxBytes: MAX });

const record = (data: unknown, sessionId = randomId(), expiresAt = T0 + HOUR) => ({
  sessionId,
  data: JSON.stringify(data),
  expiresAt,
});
const set = (...entries: [string[], unknown][]): Patch => ({
  set: entries.map(([path, value]) => [path, JSON.stringify(value)] as const),
  del: [],
});

export function dataStoreConformance(
  t: Suite,
  makeStore: DataStoreFactory,
  label: string,
  capabilities: DataStoreCapabilities = {},
): void {
  const atomic = capabilities.atomic ?? true;

  t.test(`${label}: create, then get the same record back; an unknown key is null`, async () => {
    const store = await makeStore();
    const key = randomId();
    const created = record({ cart: { book: 1 }, note: "héllo ✓" });
    assert.deepEqual(await store.create(key, created, opts()), { ok: true });
    const got = await store.get(key, { now: T0 });
    assert.equal(got?.sessionId, created.sessionId);
    assert.deepEqual(JSON.parse(got?.data ?? "null"), { cart: { book: 1 }, note: "héllo ✓" });
    assert.equal(got?.expiresAt, created.expiresAt);
    assert.equal(await store.get(randomId(), { now: T0 }), null);
  });

  t.test(`${label}: patch semantics: nested paths, null is a value, deletes, arrays set whole`, async () => {
    const store = await makeStore();
    const key = randomId();
    const created = record({ a: { b: { c: 1, d: 2 } }, list: [1, 2, 3], gone: true, keep: "x" });
    await store.create(key, created, opts());
    const patch: Patch = {
      set: [
        [["a", "b", "c"], "10"],
        [["a", "new", "deep"], '"made"'],
        [["list"], "[3]"],
        [["nothing"], "null"],
      ],
      del: [["gone"], ["a", "b", "d"], ["absent", "path"]],
    };
    const outcome = await store.patch(
      key,
      { sessionId: created.sessionId, patch, expiresAt: T0 + HOUR },
      opts(),
    );
    assert.deepEqual(outcome, { ok: true });
    const data = JSON.parse((await store.get(key, { now: T0 }))?.data ?? "null");
    assert.deepEqual(data, {
      a: { b: { c: 10 }, new: { deep: "made" } },
      list: [3],
      nothing: null,
      keep: "x",
    });
  });

  t.test(
    `${label}: a patch for another session id is refused as moved; a missing record as missing`,
    async () => {
      const store = await makeStore();
      const key = randomId();
      const created = record({ n: 1 });
      await store.create(key, created, opts());
      const stale = await store.patch(
        key,
        { sessionId: randomId(), patch: set([["n"], 2]), expiresAt: T0 + HOUR },
        opts(),
      );
      assert.deepEqual(stale, { ok: false, reason: "moved" });
      const none = await store.patch(
        randomId(),
        { sessionId: created.sessionId, patch: set([["n"], 2]), expiresAt: T0 + HOUR },
        opts(),
      );
      assert.deepEqual(none, { ok: false, reason: "missing" });
      assert.deepEqual(JSON.parse((await store.get(key, { now: T0 }))?.data ?? "null"), { n: 1 });
    },
  );

  t.test(
    `${label}: moveTo hands the record to the new id in the same step; the old id is refused after`,
    async () => {
      const store = await makeStore();
      const key = randomId();
      const created = record({ n: 1 });
      await store.create(key, created, opts());
      const next = randomId();
      const moved = await store.patch(
        key,
        { sessionId: created.sessionId, patch: set([["n"], 2]), moveTo: next, expiresAt: T0 + 2 * HOUR },
        opts(),
      );
      assert.deepEqual(moved, { ok: true });
      const got = await store.get(key, { now: T0 });
      assert.equal(got?.sessionId, next);
      assert.equal(got?.expiresAt, T0 + 2 * HOUR);
      const old = await store.patch(
        key,
        { sessionId: created.sessionId, patch: set([["n"], 3]), expiresAt: T0 + HOUR },
        opts(),
      );
      assert.deepEqual(old, { ok: false, reason: "moved" });
      assert.equal(await store.touch(key, created.sessionId, { now: T0, expiresAt: T0 + 3 * HOUR }), false);
    },
  );

  t.test(`${label}: expect refuses a patch whose base changed (conflict), naming the paths`, async () => {
    const store = await makeStore();
    const key = randomId();
    const created = record({ cart: { book: 1 }, other: 1 });
    await store.create(key, created, opts());
    const sessionId = created.sessionId;
    await store.patch(key, { sessionId, patch: set([["cart", "book"], 2]), expiresAt: T0 + HOUR }, opts());
    const stale: Patch = { set: [[["cart", "book"], "5"]], del: [], expect: [[["cart", "book"], "1"]] };
    const outcome = await store.patch(key, { sessionId, patch: stale, expiresAt: T0 + HOUR }, opts());
    assert.deepEqual(outcome, { ok: false, reason: "conflict", paths: [["cart", "book"]] });
    const fresh: Patch = { set: [[["cart", "pen"], "1"]], del: [], expect: [[["cart", "pen"], null]] };
    assert.deepEqual(await store.patch(key, { sessionId, patch: fresh, expiresAt: T0 + HOUR }, opts()), {
      ok: true,
    });
    assert.deepEqual(JSON.parse((await store.get(key, { now: T0 }))?.data ?? "null"), {
      cart: { book: 2, pen: 1 },
      other: 1,
    });
  });

  t.test(`${label}: data past maxBytes is refused with its size, on create and on patch`, async () => {
    const store = await makeStore();
    const big = "x".repeat(2000);
    const refused = await store.create(randomId(), record({ big }), { now: T0, maxBytes: 1024 });
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.reason, "too_large");
    const key = randomId();
    const created = record({ small: 1 });
    await store.create(key, created, { now: T0, maxBytes: 1024 });
    const grown = await store.patch(
      key,
      { sessionId: created.sessionId, patch: set([["big"], big]), expiresAt: T0 + HOUR },
      { now: T0, maxBytes: 1024 },
    );
    assert.equal(!grown.ok && grown.reason, "too_large");
    assert.ok(!grown.ok && grown.reason === "too_large" && grown.bytes > 1024);
    assert.deepEqual(JSON.parse((await store.get(key, { now: T0 }))?.data ?? "null"), { small: 1 });
  });

  t.test(
    `${label}: touch extends the life of a record of that session; expired records are gone`,
    async () => {
      const store = await makeStore();
      const key = randomId();
      const created = record({ n: 1 }, randomId(), T0 + 60_000);
      await store.create(key, created, opts());
      assert.equal(
        await store.touch(key, created.sessionId, { now: T0 + 30_000, expiresAt: T0 + 120_000 }),
        true,
      );
      assert.notEqual(
        await store.get(key, { now: T0 + 100_000 }),
        null,
        "still there after its first expiry",
      );
      assert.equal(await store.get(key, { now: T0 + 120_001 }), null, "gone after the touched one");
      assert.equal(
        await store.touch(randomId(), created.sessionId, { now: T0, expiresAt: T0 + HOUR }),
        false,
      );
    },
  );

  t.test(`${label}: delete removes the record`, async () => {
    const store = await makeStore();
    const key = randomId();
    const created = record({ n: 1 });
    await store.create(key, created, opts());
    await store.delete(key, { now: T0 });
    assert.equal(await store.get(key, { now: T0 }), null);
    await store.delete(randomId(), { now: T0 }); // deleting nothing is fine
  });

  if (atomic) {
    t.test(`${label}: 20 concurrent patches to different paths all land`, async () => {
      const store = await makeStore();
      const key = randomId();
      const created = record({ cart: {} });
      await store.create(key, created, opts());
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.patch(
            key,
            { sessionId: created.sessionId, patch: set([["cart", `sku-${i}`], i]), expiresAt: T0 + HOUR },
            opts(),
          ),
        ),
      );
      assert.ok(outcomes.every((outcome) => outcome.ok));
      const cart = JSON.parse((await store.get(key, { now: T0 }))?.data ?? "null").cart;
      assert.equal(Object.keys(cart).length, 20);
    });
  }
}
