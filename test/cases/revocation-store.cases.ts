/**
 * What every RevocationStore must do, whatever holds the facts. The default export runs the cases
 * against the memory store on every runtime; `storeConformance(factory)` runs them against any store
 * (Workers KV in workerd, Deno KV under deno). Ids are random, so stores sharing a backend never collide.
 */
import assert from "node:assert/strict";
import { memoryRevocationStore, type RevocationStore } from "sealed-session";
import type { Suite } from "../harness.ts";

/** Makes a store over the backend under test whose clock is `now`. */
export type StoreFactory = (now: () => number) => RevocationStore | Promise<RevocationStore>;

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 27, 12);
const id = () => crypto.randomUUID().replaceAll("-", "").slice(0, 22);

/** A settable clock, near real time so a real backend's TTLs make sense. */
function clock(start = T0) {
  let time = start;
  return { now: () => time, set: (value: number) => (time = value) };
}

export function storeConformance(t: Suite, makeStore: StoreFactory, label: string): void {
  t.test(`${label}: a session nobody revoked is not revoked`, async () => {
    const store = await makeStore(() => T0);
    assert.equal(await store.isRevoked({ sessionId: id(), userId: undefined, issuedAt: T0 }), false);
    assert.equal(await store.isRevoked({ sessionId: id(), userId: `user-${id()}`, issuedAt: T0 }), false);
  });

  t.test(`${label}: revokeSession revokes that id and no other`, async () => {
    const store = await makeStore(() => T0);
    const [revoked, other, user] = [id(), id(), `user-${id()}`];
    await store.revokeSession({ sessionId: revoked, until: T0 + DAY });
    assert.equal(await store.isRevoked({ sessionId: revoked, userId: user, issuedAt: T0 - 1000 }), true);
    assert.equal(await store.isRevoked({ sessionId: revoked, userId: undefined, issuedAt: T0 }), true);
    assert.equal(await store.isRevoked({ sessionId: other, userId: user, issuedAt: T0 - 1000 }), false);
  });

  t.test(`${label}: revokeUser revokes sessions issued at or before the cutoff, in ms`, async () => {
    const store = await makeStore(() => T0);
    const [alice, bob] = [`alice-${id()}@example.com`, `bob-${id()}@example.com`];
    await store.revokeUser({ userId: alice, cutoff: T0, until: T0 + DAY });
    const check = (userId: string | undefined, issuedAt: number) =>
      store.isRevoked({ sessionId: id(), userId, issuedAt });
    assert.equal(await check(alice, T0 - DAY / 2), true, "an older session of the user");
    assert.equal(await check(alice, T0), true, "a session issued in the cutoff's millisecond");
    assert.equal(await check(alice, T0 + 1), false, "a session issued one ms later");
    assert.equal(await check(bob, T0 - 1000), false, "another user's session");
    assert.equal(await check(undefined, T0 - 1000), false, "an anonymous session");
  });

  t.test(`${label}: a later revokeUser moves the cutoff forward`, async () => {
    const store = await makeStore(() => T0 + 5000);
    const user = `user-${id()}`;
    await store.revokeUser({ userId: user, cutoff: T0, until: T0 + DAY });
    const issuedBetween = { sessionId: id(), userId: user, issuedAt: T0 + 2000 };
    assert.equal(await store.isRevoked(issuedBetween), false);
    await store.revokeUser({ userId: user, cutoff: T0 + 4000, until: T0 + 4000 + DAY });
    assert.equal(await store.isRevoked(issuedBetween), true);
  });

  t.test(`${label}: facts hold until their until; a session fact lapses after`, async () => {
    const time = clock();
    const store = await makeStore(time.now);
    const [session, user] = [id(), `user-${id()}`];
    await store.revokeSession({ sessionId: session, until: T0 + 120_000 });
    await store.revokeUser({ userId: user, cutoff: T0, until: T0 + 120_000 });
    const sessionQuery = { sessionId: session, userId: undefined, issuedAt: T0 - 1000 };
    const userQuery = { sessionId: id(), userId: user, issuedAt: T0 - 1000 };
    time.set(T0 + 120_000);
    assert.equal(await store.isRevoked(sessionQuery), true, "still revoked at until");
    assert.equal(await store.isRevoked(userQuery), true, "still revoked at until");
    time.set(T0 + 120_001);
    assert.equal(await store.isRevoked(sessionQuery), false);
    // A user fact may outlive its `until` (KV's TTL removes it): every session it covers has
    // expired by then, so the manager never asks.
  });

  t.test(`${label}: any user id works, however long or unusual`, async () => {
    const store = await makeStore(() => T0);
    const users = ["x".repeat(2000), "ünï/cødé:🙂", "a:b:c", " spaced "];
    for (const user of users) await store.revokeUser({ userId: user, cutoff: T0, until: T0 + DAY });
    for (const user of users) {
      assert.equal(await store.isRevoked({ sessionId: id(), userId: user, issuedAt: T0 }), true);
    }
    // Near-misses of a revoked id are different users.
    assert.equal(await store.isRevoked({ sessionId: id(), userId: "a:b:c ", issuedAt: T0 }), false);
    assert.equal(await store.isRevoked({ sessionId: id(), userId: "x".repeat(1999), issuedAt: T0 }), false);
  });
}

export default (t: Suite) => storeConformance(t, (now) => memoryRevocationStore({ now }), "memory store");
