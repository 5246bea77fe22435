/**
 * Conformance kit, revocation stores: what every `RevocationStore` must do, whatever holds the facts.
 * `revocationConformance(t, factory, label)` runs the cases against any store — memory on every
 * runtime (test/cases/revocation-store.cases.ts), Workers KV and the Durable Object in workerd,
 * Deno KV under deno, Redis — and `unconfirmedWrites` the cases of stores that memoize. Ids are
 * random, so stores sharing a backend never collide.
 */
import assert from "node:assert/strict";
import type { RevocationStore } from "sealed-session";
import type { Suite } from "../harness.ts";

/** Makes a store over the backend under test whose clock is `now`. */
export type StoreFactory = (now: () => number) => RevocationStore | Promise<RevocationStore>;

const DAY = 86_400_000;
/** Now, to the second, when the kit loads: real backends keep TTLs relative to their own clock. */
const T0 = Math.floor(Date.now() / 1000) * 1000;
const id = () => crypto.randomUUID().replaceAll("-", "").slice(0, 22);

/** A settable clock, near real time so a real backend's TTLs make sense. */
function clock(start = T0) {
  let time = start;
  return { now: () => time, set: (value: number) => (time = value) };
}

export function revocationConformance(t: Suite, makeStore: StoreFactory, label: string): void {
  t.test(`${label}: a session nobody revoked is not revoked`, async () => {
    const store = await makeStore(() => T0);
    assert.equal(await store.isRevoked({ sessionId: id(), userId: undefined, issuedAt: T0 }), false);
    assert.equal(await store.isRevoked({ sessionId: id(), userId: `user-${id()}`, issuedAt: T0 }), false);
  });

  t.test(`${label}: revokeSession revokes that id and no other`, async () => {
    const store = await makeStore(() => T0);
    // A session is revoked with the user it had (the contract: stores may keep a user's facts together).
    const [revoked, other, user] = [id(), id(), `user-${id()}`];
    await store.revokeSession({ sessionId: revoked, userId: user, until: T0 + DAY });
    assert.equal(await store.isRevoked({ sessionId: revoked, userId: user, issuedAt: T0 - 1000 }), true);
    assert.equal(await store.isRevoked({ sessionId: other, userId: user, issuedAt: T0 - 1000 }), false);
    const anonymous = id();
    await store.revokeSession({ sessionId: anonymous, userId: undefined, until: T0 + DAY });
    assert.equal(await store.isRevoked({ sessionId: anonymous, userId: undefined, issuedAt: T0 }), true);
    assert.equal(await store.isRevoked({ sessionId: id(), userId: undefined, issuedAt: T0 }), false);
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

/**
 * Switches for a backend wrapper that a runner builds around a real store's client (a KV binding, a
 * Deno.Kv): every write goes through `write`, which fails while `writes` is "throw" and waits for
 * `release()` while it is "hold". `writeCalls` counts the writes that reached the backend wrapper.
 */
export class Faults {
  writes: "ok" | "throw" | "hold" = "ok";
  writeCalls = 0;
  readonly #started: Promise<unknown>[] = [];
  #release = () => {};
  #gate = this.#newGate();

  write<T>(call: () => Promise<T>): Promise<T> {
    this.writeCalls++;
    const result =
      this.writes === "throw"
        ? Promise.reject(new Error("store write failed"))
        : this.writes === "hold"
          ? this.#gate.then(call)
          : call();
    this.#started.push(result.catch(() => undefined));
    return result;
  }

  /** Lets the held writes go on. */
  release(): void {
    this.#release();
    this.#gate = this.#newGate();
  }

  /** Waits for every write started so far, including ones a store started in the background. */
  async settled(): Promise<void> {
    while (this.#started.length > 0) await Promise.all(this.#started.splice(0));
    await new Promise((done) => setTimeout(done, 0));
  }

  #newGate(): Promise<void> {
    return new Promise((done) => {
      this.#release = done;
    });
  }
}

/** Options a store over a faulty backend takes (the KV and Deno KV stores have all three). */
export interface MemoOptions {
  readonly memoSize?: number;
  readonly maxPending?: number;
  readonly memoTtl?: number;
}

/**
 * Makes a store whose backend writes go through `faults.write`. Each call stands for another isolate
 * or process: a new client wrapper, hence its own memo, over the same backend.
 */
export type FaultyStoreFactory = (
  now: () => number,
  faults: Pick<Faults, "write">,
  options: MemoOptions,
) => RevocationStore | Promise<RevocationStore>;

/**
 * Revocations whose write has not succeeded (KV and Deno KV stores): kept outside the evictable memo
 * until it does, capped, and retried on later store calls where no `waitUntil` retries them.
 */
export function unconfirmedWrites(t: Suite, makeStore: FaultyStoreFactory, label: string): void {
  const unknown = (issuedAt = T0 - 1000) => ({ sessionId: id(), userId: `user-${id()}`, issuedAt });

  t.test(`${label}: revocations whose write failed survive a flood of other revocations`, async () => {
    for (const flood of ["ok", "throw"] as const) {
      const faults = new Faults();
      const store = await makeStore(() => T0, faults, { memoSize: 2 });
      const [session, user] = [id(), `user-${id()}`];
      faults.writes = "throw";
      await assert.rejects(store.revokeSession({ sessionId: session, until: T0 + DAY }));
      await assert.rejects(store.revokeUser({ userId: user, cutoff: T0, until: T0 + DAY }));
      // Other revocations, written or failing too, and lookups of other sessions: far more than memoSize.
      faults.writes = flood;
      for (let i = 0; i < 20; i++) {
        await store.revokeSession({ sessionId: id(), until: T0 + DAY }).catch(() => undefined);
        await store
          .revokeUser({ userId: `user-${id()}`, cutoff: T0, until: T0 + DAY })
          .catch(() => undefined);
        assert.equal(await store.isRevoked(unknown()), false);
      }
      const check = (userId: string | undefined, sessionId = id()) =>
        store.isRevoked({ sessionId, userId, issuedAt: T0 - 1000 });
      assert.equal(await check(undefined, session), true, `the session (flood writes: ${flood})`);
      assert.equal(await check(user), true, `the user's older sessions (flood writes: ${flood})`);
    }
  });

  t.test(`${label}: a revocation whose write is in flight is kept through a flood`, async () => {
    const faults = new Faults();
    const store = await makeStore(() => T0, faults, { memoSize: 2 });
    const session = id();
    faults.writes = "hold";
    const writing = store.revokeSession({ sessionId: session, until: T0 + DAY });
    faults.writes = "ok";
    for (let i = 0; i < 10; i++) await store.revokeSession({ sessionId: id(), until: T0 + DAY });
    const query = { sessionId: session, userId: undefined, issuedAt: T0 };
    assert.equal(await store.isRevoked(query), true);
    faults.release();
    await writing;
    const elsewhere = await makeStore(() => T0, new Faults(), {});
    assert.equal(await elsewhere.isRevoked(query), true, "the write landed");
  });

  t.test(
    `${label}: past maxPending unconfirmed revocations, checks reject rather than forget one`,
    async () => {
      const time = clock();
      const faults = new Faults();
      const store = await makeStore(time.now, faults, { maxPending: 3 });
      const sessions = [id(), id(), id(), id()];
      faults.writes = "throw";
      // The first expires in an hour, the others in a day: it is the one dropped.
      for (const [i, sessionId] of sessions.entries()) {
        const until = i === 0 ? T0 + 3_600_000 : T0 + DAY;
        await assert.rejects(store.revokeSession({ sessionId, until }));
      }
      await assert.rejects(store.isRevoked(unknown()), (error: { code?: unknown; name?: unknown }) => {
        assert.equal(error.code, "revocation_unavailable");
        assert.equal(error.name, "RevocationBacklogError");
        return true;
      });
      for (const sessionId of sessions) {
        assert.equal(await store.isRevoked({ sessionId, userId: undefined, issuedAt: T0 }), true);
      }
      // Once the dropped one would have expired, every cookie it could reject has too.
      time.set(T0 + 3_600_001);
      assert.equal(await store.isRevoked(unknown(T0 + 1000)), false);
    },
  );

  t.test(`${label}: unconfirmed revocations that expired make room under maxPending`, async () => {
    const time = clock();
    const faults = new Faults();
    const store = await makeStore(time.now, faults, { maxPending: 2 });
    faults.writes = "throw";
    for (let i = 0; i < 2; i++) {
      await assert.rejects(store.revokeSession({ sessionId: id(), until: T0 + 60_000 }));
    }
    time.set(T0 + 60_001);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(store.revokeSession({ sessionId: id(), until: T0 + DAY }));
    }
    assert.equal(await store.isRevoked(unknown(T0)), false, "two pending, none dropped");
    await assert.rejects(store.revokeSession({ sessionId: id(), until: T0 + DAY }));
    await assert.rejects(store.isRevoked(unknown(T0)), { code: "revocation_unavailable" });
  });

  t.test(
    `${label}: later store calls retry unconfirmed writes, a few at a time, never on a memo hit`,
    async () => {
      const time = clock();
      const faults = new Faults();
      const store = await makeStore(time.now, faults, { memoTtl: 5000 });
      const revoked = Array.from({ length: 10 }, () => id());
      faults.writes = "throw";
      for (const sessionId of revoked) {
        await assert.rejects(store.revokeSession({ sessionId, until: T0 + DAY }));
      }
      const cold = async () => {
        assert.equal(await store.isRevoked(unknown()), false);
        await faults.settled();
      };
      const hit = async () => {
        const sessionId = revoked[0] as string;
        assert.equal(await store.isRevoked({ sessionId, userId: undefined, issuedAt: T0 }), true);
        await faults.settled();
      };
      await cold();
      assert.equal(faults.writeCalls, 10, "a key is written at most once a second");
      time.set(T0 + 1000);
      await hit();
      assert.equal(faults.writeCalls, 10, "a memo hit writes nothing");
      await cold();
      assert.equal(faults.writeCalls, 18, "one batch of 8");
      await cold();
      assert.equal(faults.writeCalls, 18, "after a failed batch, a pause");
      faults.writes = "ok";
      time.set(T0 + 2000);
      await cold();
      await cold();
      assert.equal(faults.writeCalls, 28, "the store is back: the rest follows on the next call");
      await cold();
      assert.equal(faults.writeCalls, 28, "nothing left to retry");
      const elsewhere = await makeStore(time.now, new Faults(), {});
      for (const sessionId of revoked) {
        assert.equal(await elsewhere.isRevoked({ sessionId, userId: undefined, issuedAt: T0 }), true);
      }
    },
  );
}
