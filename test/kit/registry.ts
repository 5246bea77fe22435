/**
 * Conformance kit, session registries: what every `RegistryStore` must do, whatever holds the
 * entries — memory on every runtime (test/cases/registry.cases.ts), the Durable Object in workerd,
 * Redis and Deno KV. `registryConformance(t, factory, label)` takes a factory of fresh stores over the
 * backend under test; users and ids are random, so stores sharing a backend never collide.
 */
import assert from "node:assert/strict";
import type { NewRegistryEntry, RegistryStore } from "sealed-session/registry";
import type { Suite } from "../harness.ts";

export type RegistryFactory = () => RegistryStore | Promise<RegistryStore>;

const HOUR = 3_600_000;
/** Now, to the second, when the kit loads: real backends keep TTLs relative to their own clock. */
const T0 = Math.floor(Date.now() / 1000) * 1000;
export const randomId = () => crypto.randomUUID().replaceAll("-", "").slice(0, 22);
const user = (name = "user") => `${name}-${randomId()}@example.com`;

/** A new entry for a fresh session id, created at `at`. */
export function entry(at = T0, overrides: Partial<NewRegistryEntry> = {}): NewRegistryEntry {
  return {
    handle: randomId(),
    sessionId: randomId(),
    createdAt: at,
    expiresAt: at + 24 * HOUR,
    label: "Firefox on Linux",
    kind: "cookie",
    ...overrides,
  };
}

const at = (now: number) => ({ now });
const checkAt = (now: number, touchAfter = 300_000) => ({ now, touchAfter });

export function registryConformance(t: Suite, makeStore: RegistryFactory, label: string): void {
  t.test(`${label}: register, check and list: newest first, with stable handles`, async () => {
    const store = await makeStore();
    const ada = user("ada");
    const [first, second] = [entry(T0), entry(T0 + 1000, { label: "Safari on iPhone" })];
    assert.deepEqual(await store.register(ada, first, { max: 10, now: T0 }), { ended: [] });
    await store.register(ada, second, { max: 10, now: T0 + 1000 });
    const listed = await store.list(ada, at(T0 + 2000));
    assert.deepEqual(
      listed.map((e) => [e.handle, e.sessionId, e.label, e.kind]),
      [
        [second.handle, second.sessionId, "Safari on iPhone", "cookie"],
        [first.handle, first.sessionId, "Firefox on Linux", "cookie"],
      ],
    );
    assert.equal(listed[1]?.createdAt, T0);
    assert.equal(listed[1]?.lastSeenAt, T0);
    assert.equal(listed[1]?.expiresAt, first.expiresAt);
    const checked = await store.check(ada, first.sessionId, checkAt(T0 + 2000));
    assert.equal(checked?.handle, first.handle);
    assert.equal(await store.check(ada, randomId(), checkAt(T0)), null, "an unknown id");
    assert.equal(await store.check(user("bob"), first.sessionId, checkAt(T0)), null, "another user's id");
    assert.deepEqual(await store.list(user("nobody"), at(T0)), []);
  });

  t.test(`${label}: check moves lastSeenAt only once it is older than touchAfter`, async () => {
    const store = await makeStore();
    const ada = user();
    const e = entry(T0);
    await store.register(ada, e, { max: 10, now: T0 });
    assert.equal((await store.check(ada, e.sessionId, checkAt(T0 + 60_000, 300_000)))?.lastSeenAt, T0);
    assert.equal(
      (await store.check(ada, e.sessionId, checkAt(T0 + 300_000, 300_000)))?.lastSeenAt,
      T0 + 300_000,
    );
    assert.equal((await store.list(ada, at(T0 + 301_000)))[0]?.lastSeenAt, T0 + 300_000);
  });

  t.test(
    `${label}: rotate moves the entry to the new id with the same handle; the old id is ended`,
    async () => {
      const store = await makeStore();
      const ada = user();
      const e = entry(T0);
      await store.register(ada, e, { max: 10, now: T0 });
      const next = randomId();
      assert.equal(await store.rotate(ada, e.sessionId, next, at(T0 + 1)), true);
      assert.equal(await store.check(ada, e.sessionId, checkAt(T0 + 2)), null);
      assert.equal((await store.check(ada, next, checkAt(T0 + 2)))?.handle, e.handle);
      assert.deepEqual(
        (await store.list(ada, at(T0 + 2))).map((x) => [x.handle, x.sessionId]),
        [[e.handle, next]],
      );
      assert.equal(await store.rotate(ada, e.sessionId, randomId(), at(T0 + 3)), false, "the old id is gone");
      assert.equal(
        await store.adopt(
          ada,
          { ...entry(T0), sessionId: e.sessionId, issuedAt: T0 },
          { max: 10, now: T0 + 4 },
        ),
        null,
        "a copy of the old cookie cannot be adopted back",
      );
    },
  );

  t.test(
    `${label}: remove ends one id; it cannot be adopted again, even if it was never registered`,
    async () => {
      const store = await makeStore();
      const ada = user();
      const [kept, removed] = [entry(T0), entry(T0 + 1)];
      await store.register(ada, kept, { max: 10, now: T0 });
      await store.register(ada, removed, { max: 10, now: T0 + 1 });
      assert.equal(
        await store.remove(ada, removed.sessionId, { now: T0 + 2, expiresAt: removed.expiresAt }),
        true,
      );
      assert.equal(await store.check(ada, removed.sessionId, checkAt(T0 + 3)), null);
      assert.equal((await store.check(ada, kept.sessionId, checkAt(T0 + 3)))?.handle, kept.handle);
      assert.equal(
        await store.remove(ada, removed.sessionId, { now: T0 + 4, expiresAt: removed.expiresAt }),
        false,
      );
      const never = randomId();
      assert.equal(await store.remove(ada, never, { now: T0 + 5, expiresAt: T0 + HOUR }), false);
      for (const sessionId of [removed.sessionId, never]) {
        const copy = { ...entry(T0), sessionId, issuedAt: T0 - 1000 };
        assert.equal(await store.adopt(ada, copy, { max: 10, now: T0 + 6 }), null, sessionId);
      }
    },
  );

  t.test(`${label}: end takes a handle of that user only`, async () => {
    const store = await makeStore();
    const [ada, bob] = [user("ada"), user("bob")];
    const [mine, theirs] = [entry(T0), entry(T0)];
    await store.register(ada, mine, { max: 10, now: T0 });
    await store.register(bob, theirs, { max: 10, now: T0 });
    assert.equal(await store.end(ada, theirs.handle, at(T0 + 1)), null, "bob's handle, asked as ada");
    assert.equal((await store.check(bob, theirs.sessionId, checkAt(T0 + 1)))?.handle, theirs.handle);
    assert.equal(await store.end(ada, mine.handle, at(T0 + 1)), mine.sessionId);
    assert.equal(await store.check(ada, mine.sessionId, checkAt(T0 + 2)), null);
    assert.equal(await store.end(ada, mine.handle, at(T0 + 3)), null, "already ended");
  });

  t.test(
    `${label}: endAll ends the entries registered before it, except keep; a login right after survives`,
    async () => {
      const store = await makeStore();
      const ada = user();
      const [a, b, c] = [entry(T0), entry(T0 + 1), entry(T0 + 2)];
      for (const e of [a, b, c]) await store.register(ada, e, { max: 10, now: e.createdAt });
      const ended = await store.endAll(ada, { now: T0 + 10, keep: b.sessionId });
      assert.deepEqual([...ended].sort(), [a.sessionId, c.sessionId].sort());
      const after = entry(T0 + 10);
      await store.register(ada, after, { max: 10, now: T0 + 10 });
      assert.deepEqual(
        (await store.list(ada, at(T0 + 11))).map((e) => e.sessionId).sort(),
        [b.sessionId, after.sessionId].sort(),
      );
      assert.deepEqual(
        [...(await store.endAll(ada, { now: T0 + 20 }))].sort(),
        [b.sessionId, after.sessionId].sort(),
      );
      assert.deepEqual(await store.list(ada, at(T0 + 21)), []);
    },
  );

  t.test(
    `${label}: adopt registers a session from before the registry, unless it was logged out everywhere`,
    async () => {
      const store = await makeStore();
      const ada = user();
      const legacy = { ...entry(T0 - 5000), issuedAt: T0 - 5000 };
      const adopted = await store.adopt(ada, legacy, { max: 10, now: T0 });
      assert.equal(adopted?.entry.sessionId, legacy.sessionId);
      assert.deepEqual(adopted?.ended, []);
      assert.equal((await store.check(ada, legacy.sessionId, checkAt(T0 + 1)))?.handle, legacy.handle);
      // Adopting the same id again (another isolate raced) returns the entry it has.
      const again = await store.adopt(ada, { ...legacy, handle: randomId() }, { max: 10, now: T0 + 2 });
      assert.equal(again?.entry.handle, legacy.handle);
      assert.equal((await store.list(ada, at(T0 + 3))).length, 1);
      // "Log out everywhere" ends it, and no session issued by then may come back through adoption.
      await store.endAll(ada, { now: T0 + 10 });
      assert.equal(await store.adopt(ada, legacy, { max: 10, now: T0 + 11 }), null);
      const older = { ...entry(T0 - 1), issuedAt: T0 + 10 };
      assert.equal(await store.adopt(ada, older, { max: 10, now: T0 + 12 }), null, "issued at the cutoff");
      const newer = { ...entry(T0 + 11), issuedAt: T0 + 11 };
      assert.notEqual(await store.adopt(ada, newer, { max: 10, now: T0 + 12 }), null, "issued after it");
    },
  );

  t.test(`${label}: a login beyond max ends the user's oldest sessions, atomically`, async () => {
    const store = await makeStore();
    const ada = user();
    const entries = Array.from({ length: 5 }, (_, i) => entry(T0 + i * 1000));
    const ended: string[] = [];
    for (const e of entries)
      ended.push(...(await store.register(ada, e, { max: 3, now: e.createdAt })).ended);
    assert.deepEqual(ended, [entries[0]!.sessionId, entries[1]!.sessionId]);
    assert.deepEqual(
      (await store.list(ada, at(T0 + 10_000))).map((e) => e.sessionId),
      entries
        .slice(2)
        .reverse()
        .map((e) => e.sessionId),
    );
    assert.equal(await store.check(ada, entries[0]!.sessionId, checkAt(T0 + 10_000)), null);
  });

  t.test(
    `${label}: 50 parallel logins with a cap of 3 leave exactly 3 live, none lost or doubled`,
    async () => {
      const store = await makeStore();
      const ada = user();
      const entries = Array.from({ length: 50 }, (_, i) => entry(T0 + i));
      const results = await Promise.all(
        entries.map((e) => store.register(ada, e, { max: 3, now: e.createdAt })),
      );
      const ended = results.flatMap((r) => r.ended);
      assert.equal(ended.length, 47, "every login beyond the cap ended exactly one other");
      assert.equal(new Set(ended).size, 47, "no session ended twice");
      const live = await store.list(ada, at(T0 + 100));
      assert.equal(live.length, 3);
      const liveIds = new Set(live.map((e) => e.sessionId));
      for (const e of entries) assert.equal(liveIds.has(e.sessionId), !ended.includes(e.sessionId));
      for (const id of ended) assert.equal(await store.check(ada, id, checkAt(T0 + 100)), null);
    },
  );

  t.test(`${label}: entries past their expiry are gone`, async () => {
    const store = await makeStore();
    const ada = user();
    const short = entry(T0, { expiresAt: T0 + 60_000 });
    const long = entry(T0 + 1);
    await store.register(ada, short, { max: 10, now: T0 });
    await store.register(ada, long, { max: 10, now: T0 + 1 });
    assert.notEqual(await store.check(ada, short.sessionId, checkAt(T0 + 60_000)), null, "at its expiry");
    assert.equal(await store.check(ada, short.sessionId, checkAt(T0 + 60_001)), null, "after it");
    assert.deepEqual(
      (await store.list(ada, at(T0 + 60_001))).map((e) => e.sessionId),
      [long.sessionId],
    );
  });

  t.test(`${label}: any user id works, however long or unusual`, async () => {
    const store = await makeStore();
    for (const id of [
      `${"x".repeat(2000)}${randomId()}`,
      `ünïcødé ✓ ${randomId()}`,
      `a:b/c?d#${randomId()}`,
    ]) {
      const e = entry(T0);
      await store.register(id, e, { max: 10, now: T0 });
      assert.equal((await store.check(id, e.sessionId, checkAt(T0)))?.handle, e.handle, id.slice(0, 20));
      assert.equal((await store.list(id, at(T0))).length, 1);
    }
  });
}
