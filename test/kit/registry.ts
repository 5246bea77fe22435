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

/** A new refresh-token family, created at `at`: kind "refresh", generation 1. */
export const family = (at = T0, overrides: Partial<NewRegistryEntry> = {}): NewRegistryEntry =>
  entry(at, { label: "CLI", kind: "refresh", generation: 1, ...overrides });

const at = (now: number) => ({ now });
const step = (generation: number, now: number, reuseInterval = 0, endParent = true) => ({
  generation,
  now,
  reuseInterval,
  endParent,
});
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

  t.test(`${label}: entries created in the same millisecond list the one registered last first`, async () => {
    const store = await makeStore();
    const ada = user();
    const entries = [entry(T0), entry(T0), entry(T0)];
    for (const e of entries) await store.register(ada, e, { max: 10, now: T0 });
    assert.deepEqual(
      (await store.list(ada, at(T0))).map((e) => e.sessionId),
      entries.map((e) => e.sessionId).reverse(),
    );
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

  t.test(
    `${label}: a refresh-token family is an entry with a generation and its parent's handle`,
    async () => {
      const store = await makeStore();
      const ada = user();
      const browser = entry(T0);
      await store.register(ada, browser, { max: 10, now: T0 });
      const cli = family(T0 + 1);
      const made = await store.register(ada, cli, { max: 10, now: T0 + 1, parent: browser.sessionId });
      assert.deepEqual(made, { ended: [], registered: true });
      const listed = await store.list(ada, at(T0 + 2));
      assert.deepEqual(
        listed.map((e) => [e.sessionId, e.kind, e.label, e.generation, e.parent]),
        [
          [cli.sessionId, "refresh", "CLI", 1, browser.handle],
          [browser.sessionId, "cookie", "Firefox on Linux", 0, null],
        ],
      );
      assert.equal((await store.check(ada, cli.sessionId, checkAt(T0 + 2)))?.generation, 1);
      // A parent that is not live registers nothing.
      const orphan = family(T0 + 3);
      assert.deepEqual(await store.register(ada, orphan, { max: 10, now: T0 + 3, parent: randomId() }), {
        ended: [],
        registered: false,
      });
      assert.equal(await store.check(ada, orphan.sessionId, checkAt(T0 + 4)), null);
      assert.equal((await store.list(ada, at(T0 + 4))).length, 2);
    },
  );

  t.test(
    `${label}: advance rotates the current generation; a spent one ends the family and its parent at once`,
    async () => {
      const store = await makeStore();
      const ada = user();
      const [browser, other] = [entry(T0), entry(T0)];
      await store.register(ada, browser, { max: 10, now: T0 });
      await store.register(ada, other, { max: 10, now: T0 });
      const cli = family(T0);
      await store.register(ada, cli, { max: 10, now: T0, parent: browser.sessionId });
      for (let generation = 1; generation <= 3; generation++) {
        const moved = await store.advance(ada, cli.sessionId, step(generation, T0 + generation));
        assert.equal(moved?.outcome, "rotated");
        assert.equal(moved?.outcome === "rotated" && moved.entry.generation, generation + 1);
        assert.equal(moved?.outcome === "rotated" && moved.entry.lastSeenAt, T0 + generation);
      }
      // Generation 2 was spent when 3 was issued: presenting it again ends the family (its newest
      // token, generation 4, included) and the session it was issued from.
      const reused = await store.advance(ada, cli.sessionId, step(2, T0 + 10));
      assert.equal(reused?.outcome, "reused");
      assert.deepEqual(
        [...(reused?.outcome === "reused" ? reused.ended : [])].sort(),
        [cli.sessionId, browser.sessionId].sort(),
      );
      assert.equal(await store.check(ada, cli.sessionId, checkAt(T0 + 11)), null);
      assert.equal(await store.check(ada, browser.sessionId, checkAt(T0 + 11)), null);
      assert.notEqual(await store.check(ada, other.sessionId, checkAt(T0 + 11)), null, "other sessions stay");
      assert.equal(await store.advance(ada, cli.sessionId, step(4, T0 + 12)), null, "the newest is over too");
      assert.equal(
        await store.adopt(
          ada,
          { ...entry(T0), sessionId: cli.sessionId, issuedAt: T0 },
          { max: 10, now: T0 + 13 },
        ),
        null,
        "an ended family cannot come back",
      );
    },
  );

  t.test(
    `${label}: advance with endParent false ends only the family; unknown ids and cookies are null`,
    async () => {
      const store = await makeStore();
      const [ada, bob] = [user("ada"), user("bob")];
      const browser = entry(T0);
      await store.register(ada, browser, { max: 10, now: T0 });
      const cli = family(T0);
      await store.register(ada, cli, { max: 10, now: T0, parent: browser.sessionId });
      assert.equal(await store.advance(bob, cli.sessionId, step(1, T0 + 1)), null, "another user's family");
      assert.equal(await store.advance(ada, browser.sessionId, step(0, T0 + 1)), null, "a cookie session");
      assert.equal(await store.advance(ada, randomId(), step(1, T0 + 1)), null, "never registered");
      assert.equal((await store.advance(ada, cli.sessionId, step(1, T0 + 2)))?.outcome, "rotated");
      const reused = await store.advance(ada, cli.sessionId, step(1, T0 + 3, 0, false));
      assert.deepEqual(reused, { outcome: "reused", ended: [cli.sessionId] });
      assert.notEqual(await store.check(ada, browser.sessionId, checkAt(T0 + 4)), null);
    },
  );

  t.test(
    `${label}: 20 parallel exchanges of one generation: exactly one rotates, the family then ends`,
    async () => {
      const store = await makeStore();
      const ada = user();
      const cli = family(T0);
      await store.register(ada, cli, { max: 10, now: T0 });
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.advance(ada, cli.sessionId, step(1, T0 + 1))),
      );
      const outcomes = results.map((result) => result?.outcome ?? "none");
      assert.equal(outcomes.filter((o) => o === "rotated").length, 1, "at most one new pair");
      assert.ok(outcomes.includes("reused"), "a second use is reuse");
      assert.equal(outcomes.filter((o) => o === "repeated").length, 0);
      assert.equal(await store.check(ada, cli.sessionId, checkAt(T0 + 2)), null);
    },
  );

  t.test(
    `${label}: reuseInterval: the spent generation repeats while its successor is unused, then is reuse`,
    async () => {
      const store = await makeStore();
      const ada = user();
      const cli = family(T0);
      await store.register(ada, cli, { max: 10, now: T0 });
      // 20 at once with an interval: one advance, the others repeat it — the generation moves once.
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.advance(ada, cli.sessionId, step(1, T0 + 1000, 10_000))),
      );
      assert.equal(results.filter((r) => r?.outcome === "rotated").length, 1);
      assert.equal(results.filter((r) => r?.outcome === "repeated").length, 19);
      for (const result of results) {
        assert.equal(result?.outcome !== "reused" && result?.entry.generation, 2);
      }
      // Within the interval the spent generation repeats, and nothing moves.
      const repeated = await store.advance(ada, cli.sessionId, step(1, T0 + 11_000, 10_000));
      assert.equal(repeated?.outcome, "repeated");
      assert.equal(repeated?.outcome === "repeated" && repeated.entry.generation, 2);
      // Its successor used: generation 1 is two behind now, reuse however soon.
      assert.equal(
        (await store.advance(ada, cli.sessionId, step(2, T0 + 12_000, 10_000)))?.outcome,
        "rotated",
      );
      assert.equal(
        (await store.advance(ada, cli.sessionId, step(1, T0 + 12_001, 10_000)))?.outcome,
        "reused",
      );
      assert.equal(await store.check(ada, cli.sessionId, checkAt(T0 + 12_002)), null);
      // Past the interval, the generation just spent is reuse too.
      const late = family(T0);
      await store.register(ada, late, { max: 10, now: T0 });
      assert.equal(
        (await store.advance(ada, late.sessionId, step(1, T0 + 1000, 10_000)))?.outcome,
        "rotated",
      );
      assert.equal(
        (await store.advance(ada, late.sessionId, step(1, T0 + 11_001, 10_000)))?.outcome,
        "reused",
      );
    },
  );

  t.test(`${label}: a family past its expiry cannot advance`, async () => {
    const store = await makeStore();
    const ada = user();
    const cli = family(T0, { expiresAt: T0 + 60_000 });
    await store.register(ada, cli, { max: 10, now: T0 });
    assert.equal((await store.advance(ada, cli.sessionId, step(1, T0 + 60_000)))?.outcome, "rotated");
    assert.equal(await store.advance(ada, cli.sessionId, step(2, T0 + 60_001)), null);
  });

  t.test(
    `${label}: logout (remove with children) ends the families issued from a session; a login's remove does not`,
    async () => {
      const store = await makeStore();
      const ada = user();
      const [browser, phone] = [entry(T0), entry(T0)];
      await store.register(ada, browser, { max: 10, now: T0 });
      await store.register(ada, phone, { max: 10, now: T0 });
      const [cli, app] = [family(T0 + 1), family(T0 + 1)];
      await store.register(ada, cli, { max: 10, now: T0 + 1, parent: browser.sessionId });
      await store.register(ada, app, { max: 10, now: T0 + 1, parent: phone.sessionId });
      // regenerate() keeps the handle: the link holds across it.
      const renewed = randomId();
      assert.equal(await store.rotate(ada, browser.sessionId, renewed, at(T0 + 2)), true);
      // A login over the phone's session removes its old id without children: the app's family stays.
      assert.equal(
        await store.remove(ada, phone.sessionId, { now: T0 + 3, expiresAt: phone.expiresAt }),
        true,
      );
      assert.notEqual(await store.check(ada, app.sessionId, checkAt(T0 + 4)), null);
      // A logout of the browser ends its family in the same step.
      assert.equal(
        await store.remove(ada, renewed, { now: T0 + 5, expiresAt: browser.expiresAt, children: true }),
        true,
      );
      assert.equal(await store.check(ada, cli.sessionId, checkAt(T0 + 6)), null);
      assert.equal(await store.advance(ada, cli.sessionId, step(1, T0 + 6)), null);
      assert.deepEqual(
        (await store.list(ada, at(T0 + 6))).map((e) => e.sessionId),
        [app.sessionId],
      );
    },
  );

  t.test(`${label}: "log out other devices" and "everywhere" end families; the cap counts them`, async () => {
    const store = await makeStore();
    const ada = user();
    const browser = entry(T0);
    await store.register(ada, browser, { max: 10, now: T0 });
    const [mine, lone] = [family(T0 + 1), family(T0 + 2)];
    await store.register(ada, mine, { max: 10, now: T0 + 1, parent: browser.sessionId });
    await store.register(ada, lone, { max: 10, now: T0 + 2 });
    assert.deepEqual(
      [...(await store.endAll(ada, { now: T0 + 3, keep: browser.sessionId }))].sort(),
      [mine.sessionId, lone.sessionId].sort(),
    );
    for (const f of [mine, lone]) assert.equal(await store.advance(ada, f.sessionId, step(1, T0 + 4)), null);
    const again = family(T0 + 5);
    await store.register(ada, again, { max: 10, now: T0 + 5 });
    assert.deepEqual(
      [...(await store.endAll(ada, { now: T0 + 6 }))].sort(),
      [browser.sessionId, again.sessionId].sort(),
    );
    // Families are sessions: a login beyond the cap ends the oldest, family or not.
    const [first, second] = [family(T0 + 10), entry(T0 + 11)];
    await store.register(ada, first, { max: 1, now: T0 + 10 });
    assert.deepEqual(await store.register(ada, second, { max: 1, now: T0 + 11 }), {
      ended: [first.sessionId],
    });
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

/** A user id's keyed hash as the backends name it in their keys (HMAC-SHA-256, base64url): for layout checks. */
export async function hmac(userId: string, key: string): Promise<string> {
  const imported = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", imported, new TextEncoder().encode(userId)));
  return btoa(String.fromCharCode(...mac))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}
