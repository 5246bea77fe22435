/**
 * Conformance kit, revocation through the session manager: logout, login, "log out everywhere", and
 * the failure policy. `managerRevocation(t, factory)` runs the store-backed cases against any store;
 * `managerUnconfirmed` those of stores whose writes can fail unseen; `failurePolicy` the
 * store-independent ones. test/cases/revocation-manager.cases.ts runs them on the memory store.
 */
import assert from "node:assert/strict";
import {
  createSessions,
  generateSecret,
  memoryRevocationStore,
  type RevocationErrorEvent,
  type RevocationStore,
  RevocationWriteError,
  type SessionsOptions,
} from "sealed-session";
import type { Suite } from "../harness.ts";
import { clock, isClearing, Jar } from "../support/http.ts";
import { Faults, type FaultyStoreFactory, type StoreFactory } from "./revocation-store.ts";

const secrets = generateSecret();
const unique = () => crypto.randomUUID();
/** Stores and managers must share a clock: a store forgets facts whose `until` has passed. */
const fixed = clock().now;

interface Data {
  views: number;
}

function manager(store: RevocationStore | SessionsOptions["revocation"], now = fixed) {
  return createSessions<Data>({ secrets, maxAge: 3600, now, revocation: store });
}

/** One round trip that also passes commit options and returns the commit result. */
async function visit(
  sessions: ReturnType<typeof manager>,
  jar: Jar,
  act?: (session: Awaited<ReturnType<ReturnType<typeof manager>["load"]>>) => void | Promise<void>,
  waitUntil?: (promise: Promise<unknown>) => void,
) {
  const session = await sessions.load(jar.request());
  await act?.(session);
  const headers = new Headers();
  const result = await sessions.commit(session, headers, { waitUntil });
  return { session, result, written: jar.apply(headers) };
}

/** A browser that logs in as `user` and keeps its cookie. */
async function loggedIn(sessions: ReturnType<typeof manager>, user: string): Promise<Jar> {
  const jar = new Jar();
  await visit(sessions, jar, (session) => {
    session.login(user);
    session.data.views = 1;
  });
  return jar;
}

/** A copy of a browser's cookies, as a thief would keep them. */
function copy(jar: Jar): Jar {
  const stolen = new Jar();
  for (const name of jar.names()) stolen.set(name, jar.get(name) ?? "");
  return stolen;
}

/** A memory store whose calls can be made to fail or hang. */
function faulty(base: RevocationStore = memoryRevocationStore({ now: fixed })) {
  const calls = { isRevoked: 0, revokeSession: 0, revokeUser: 0 };
  const mode = { read: "ok" as "ok" | "throw" | "hang", write: "ok" as "ok" | "throw" | "hang" };
  const run = <T>(which: "read" | "write", call: () => Promise<T>): Promise<T> => {
    if (mode[which] === "throw") return Promise.reject(new Error("store unavailable"));
    if (mode[which] === "hang") return new Promise<T>(() => {});
    return call();
  };
  const store: RevocationStore = {
    isRevoked(query) {
      calls.isRevoked++;
      return run("read", () => base.isRevoked(query));
    },
    revokeSession(fact) {
      calls.revokeSession++;
      return run("write", () => base.revokeSession(fact));
    },
    revokeUser(fact) {
      calls.revokeUser++;
      return run("write", () => base.revokeUser(fact));
    },
  };
  return { store, calls, mode };
}

/**
 * A store under test answers over real I/O (KV in workerd, Deno KV): a deadline no slow machine
 * reaches, instead of the 2 s default. These cases are about what gets revoked; timeouts have their own.
 */
const patient = (store: RevocationStore) => ({ store, timeout: 60_000 });

export function managerRevocation(t: Suite, makeStore: StoreFactory, label: string): void {
  t.test(`${label}: logout revokes the id; the old cookie replayed is rejected and cleared`, async () => {
    const time = clock();
    const sessions = manager(patient(await makeStore(time.now)), time.now);
    const jar = await loggedIn(sessions, `ada-${unique()}`);
    const stolen = copy(jar);
    await visit(sessions, jar, (session) => session.destroy());
    assert.deepEqual(jar.names(), [], "logout clears the cookie");
    const replay = await visit(sessions, stolen);
    assert.equal(replay.session.invalidReason, "revoked");
    assert.equal(replay.session.userId, undefined);
    assert.equal(replay.session.isNew, true);
    assert.ok(
      replay.written.length > 0 && replay.written.every(isClearing),
      "the replayed cookie is cleared",
    );
  });

  t.test(`${label}: login over a user's session revokes the replaced id`, async () => {
    const time = clock();
    const sessions = manager(patient(await makeStore(time.now)), time.now);
    const jar = await loggedIn(sessions, `ada-${unique()}`);
    const before = copy(jar);
    time.advance(1);
    const { session } = await visit(sessions, jar, (s) => s.login(`grace-${unique()}`));
    assert.equal((await sessions.load(before.request())).invalidReason, "revoked");
    const current = await sessions.load(jar.request());
    assert.equal(current.id, session.id);
    assert.equal(current.invalidReason, undefined);
  });

  t.test(`${label}: regenerate revokes the replaced id of a user's session`, async () => {
    const time = clock();
    const sessions = manager(patient(await makeStore(time.now)), time.now);
    const jar = await loggedIn(sessions, `ada-${unique()}`);
    const before = copy(jar);
    await visit(sessions, jar, (s) => s.regenerate({ keep: true }));
    assert.equal((await sessions.load(before.request())).invalidReason, "revoked");
    assert.equal((await sessions.load(jar.request())).data.views, 1);
  });

  t.test(
    `${label}: revokeUser logs out every device of that user only; a new login works at once`,
    async () => {
      const time = clock();
      const sessions = manager(patient(await makeStore(time.now)), time.now);
      const [ada, grace] = [`ada-${unique()}`, `grace-${unique()}`];
      const adaDevices = [await loggedIn(sessions, ada), await loggedIn(sessions, ada)];
      time.advance(30);
      adaDevices.push(await loggedIn(sessions, ada));
      const graceDevice = await loggedIn(sessions, grace);
      // The clock stands still from here on: revocation and the next login share one millisecond.
      await sessions.revokeUser(ada);
      for (const device of adaDevices) {
        const { session } = await visit(sessions, device);
        assert.equal(session.invalidReason, "revoked");
        assert.equal(session.userId, undefined);
      }
      assert.deepEqual(
        adaDevices.map((device) => device.names()),
        [[], [], []],
        "their cookies are cleared",
      );
      assert.equal((await sessions.load(graceDevice.request())).userId, grace);
      const again = await loggedIn(sessions, ada);
      const reloaded = await sessions.load(again.request());
      assert.equal(reloaded.userId, ada, "a login in the revocation's millisecond survives it");
      assert.equal(reloaded.issuedAt, time.time + 1, "issued one ms after the cutoff");
    },
  );

  t.test(`${label}: "log out other devices" keeps the device that asked`, async () => {
    const time = clock();
    const sessions = manager(patient(await makeStore(time.now)), time.now);
    const ada = `ada-${unique()}`;
    const [here, elsewhere] = [await loggedIn(sessions, ada), await loggedIn(sessions, ada)];
    await visit(sessions, here, async (session) => {
      await sessions.revokeUser(ada);
      session.login(ada);
    });
    assert.equal((await sessions.load(here.request())).userId, ada);
    assert.equal((await sessions.load(elsewhere.request())).invalidReason, "revoked");
  });
}

/**
 * Logouts whose store write failed (KV and Deno KV stores, over a backend whose writes can fail):
 * the cookie stays rejected where it was revoked, the backlog is capped, and retries land.
 */
export function managerUnconfirmed(t: Suite, makeStore: FaultyStoreFactory, label: string): void {
  const quiet = () => undefined;

  t.test(`${label}: a logout whose write failed stays revoked through a flood of logouts`, async () => {
    const time = clock();
    const faults = new Faults();
    const store = await makeStore(time.now, faults, { memoSize: 2 });
    const sessions = manager({ ...patient(store), onStoreError: quiet }, time.now);
    const [ada, grace] = [`ada-${unique()}`, `grace-${unique()}`];
    const jar = await loggedIn(sessions, ada);
    const stolen = copy(jar);
    const graceDevice = await loggedIn(sessions, grace);
    faults.writes = "throw";
    const { result } = await visit(sessions, jar, (session) => session.destroy());
    assert.equal(result.revocationError?.code, "revocation_write_failed");
    await assert.rejects(sessions.revokeUser(grace), RevocationWriteError);
    faults.writes = "ok";
    for (let i = 0; i < 10; i++) {
      await visit(sessions, await loggedIn(sessions, `user-${i}-${unique()}`), (s) => s.destroy());
    }
    assert.equal((await sessions.load(stolen.request())).invalidReason, "revoked");
    assert.equal((await sessions.load(graceDevice.request())).invalidReason, "revoked");
  });

  t.test(
    `${label}: past maxPending, logged-in sessions load as revocation_unavailable, anonymous ones as usual`,
    async () => {
      const time = clock();
      const faults = new Faults();
      const store = await makeStore(time.now, faults, { maxPending: 2 });
      const events: RevocationErrorEvent[] = [];
      const onStoreError = (event: RevocationErrorEvent) => void events.push(event);
      const sessions = manager({ ...patient(store), onStoreError }, time.now);
      const bob = await loggedIn(sessions, `bob-${unique()}`);
      const visitor = new Jar();
      await visit(sessions, visitor, (session) => {
        session.data.views = 1;
      });
      faults.writes = "throw";
      for (let i = 0; i < 2; i++) {
        await visit(sessions, await loggedIn(sessions, `user-${i}-${unique()}`), (s) => s.destroy());
      }
      assert.equal((await sessions.load(bob.request())).invalidReason, undefined, "two pending: room");
      await visit(sessions, await loggedIn(sessions, `user-${unique()}`), (s) => s.destroy());
      events.length = 0;
      const { session, written } = await visit(sessions, bob);
      assert.equal(session.invalidReason, "revocation_unavailable");
      assert.equal(session.readOnly, true);
      assert.deepEqual(written, [], "bob's cookie is kept");
      assert.deepEqual(
        events.map(({ operation, error }) => [operation, (error as { code?: unknown }).code]),
        [["check", "revocation_unavailable"]],
      );
      assert.equal((await sessions.load(visitor.request())).data.views, 1, "anonymous: not checked");
      const checking = manager({ ...patient(store), checkAnonymous: true, onStoreError: quiet }, time.now);
      assert.equal((await checking.load(visitor.request())).invalidReason, "revocation_unavailable");
    },
  );

  t.test(`${label}: a waitUntil retry that succeeds clears the pending revocation`, async () => {
    const time = clock();
    const faults = new Faults();
    const store = await makeStore(time.now, faults, { maxPending: 2 });
    const sessions = manager({ ...patient(store), retryDelay: 0, onStoreError: quiet }, time.now);
    const bob = await loggedIn(sessions, `bob-${unique()}`);
    const jar = await loggedIn(sessions, `ada-${unique()}`);
    const stolen = copy(jar);
    faults.writes = "throw";
    const retries: Promise<unknown>[] = [];
    const { result } = await visit(
      sessions,
      jar,
      (s) => s.destroy(),
      (retry) => retries.push(retry),
    );
    assert.equal(result.revocationError?.retryScheduled, true);
    faults.writes = "ok";
    await Promise.all(retries);
    const elsewhere = manager(patient(await makeStore(time.now, new Faults(), {})), time.now);
    assert.equal((await elsewhere.load(stolen.request())).invalidReason, "revoked", "the retry landed");
    // Two more failed logouts fill maxPending only if the retried one left it.
    faults.writes = "throw";
    for (let i = 0; i < 2; i++) {
      await visit(sessions, await loggedIn(sessions, `user-${i}-${unique()}`), (s) => s.destroy());
    }
    assert.equal((await sessions.load(bob.request())).invalidReason, undefined, "two pending: room");
    await visit(sessions, await loggedIn(sessions, `user-${unique()}`), (s) => s.destroy());
    assert.equal((await sessions.load(bob.request())).invalidReason, "revocation_unavailable");
  });

  t.test(`${label}: without waitUntil, a later request carries the failed write to the store`, async () => {
    const time = clock();
    const faults = new Faults();
    const store = await makeStore(time.now, faults, {});
    const sessions = manager({ ...patient(store), onStoreError: quiet }, time.now);
    const jar = await loggedIn(sessions, `ada-${unique()}`);
    const stolen = copy(jar);
    const other = await loggedIn(sessions, `grace-${unique()}`);
    faults.writes = "throw";
    const { result } = await visit(sessions, jar, (s) => s.destroy());
    assert.equal(result.revocationError?.retryScheduled, false);
    faults.writes = "ok";
    time.advance(1);
    await sessions.load(other.request());
    await faults.settled();
    const elsewhere = manager(patient(await makeStore(time.now, new Faults(), {})), time.now);
    assert.equal((await elsewhere.load(stolen.request())).invalidReason, "revoked");
  });
}

export function failurePolicy(t: Suite): void {
  t.test("anonymous sessions are not checked or revoked by default", async () => {
    const { store, calls, mode } = faulty();
    mode.read = "throw";
    const sessions = manager(store);
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data.views = 1;
    });
    const stolen = copy(jar);
    assert.equal((await visit(sessions, jar)).session.data.views, 1);
    await visit(sessions, jar, (session) => session.destroy());
    assert.deepEqual(calls, { isRevoked: 0, revokeSession: 0, revokeUser: 0 });
    assert.equal((await sessions.load(stolen.request())).data.views, 1, "documented: nothing to steal");
  });

  t.test("checkAnonymous: true checks and revokes anonymous sessions too", async () => {
    const sessions = manager({ store: memoryRevocationStore({ now: fixed }), checkAnonymous: true });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data.views = 1;
    });
    const stolen = copy(jar);
    await visit(sessions, jar, (session) => session.destroy());
    assert.equal((await sessions.load(stolen.request())).invalidReason, "revoked");
  });

  t.test("fail-closed by default: a failing store gives a read-only revocation_unavailable", async () => {
    const { store, mode } = faulty();
    const sessions = manager({ store, onStoreError: () => undefined });
    const jar = await loggedIn(sessions, "ada");
    mode.read = "throw";
    const { session, written } = await visit(sessions, jar, (s) => {
      s.data.views = 99;
    });
    assert.equal(session.invalidReason, "revocation_unavailable");
    assert.equal(session.readOnly, true);
    assert.equal(session.userId, undefined);
    assert.deepEqual(written, [], "commit neither writes nor clears the cookie");
    mode.read = "ok";
    const recovered = await sessions.load(jar.request());
    assert.equal(recovered.userId, "ada", "the outage logged nobody out");
    assert.equal(recovered.data.views, 1);
  });

  t.test("a hanging store times out (configurable) and fails closed", async () => {
    const { store, mode } = faulty();
    const events: RevocationErrorEvent[] = [];
    const sessions = manager({ store, timeout: 20, onStoreError: (event) => void events.push(event) });
    const jar = await loggedIn(sessions, "ada");
    mode.read = "hang";
    const session = await sessions.load(jar.request());
    assert.equal(session.invalidReason, "revocation_unavailable");
    assert.deepEqual(
      events.map(({ operation, kind, retry }) => ({ operation, kind, retry })),
      [{ operation: "check", kind: "timeout", retry: false }],
    );
  });

  t.test('onStoreError: "open" accepts the session when the store fails', async () => {
    const { store, mode } = faulty();
    const sessions = manager({ store, onStoreError: "open", timeout: 20 });
    const jar = await loggedIn(sessions, "ada");
    for (const failure of ["throw", "hang"] as const) {
      mode.read = failure;
      const session = await sessions.load(jar.request());
      assert.equal(session.invalidReason, undefined);
      assert.equal(session.userId, "ada");
      assert.equal(session.readOnly, false);
    }
  });

  t.test("an onStoreError callback sees each failure, without ids, and may fail open", async () => {
    const { store, mode } = faulty();
    const events: RevocationErrorEvent[] = [];
    const sessions = manager({
      store,
      onStoreError: (event) => {
        events.push(event);
        return events.length === 1 ? "closed" : "open";
      },
    });
    const jar = await loggedIn(sessions, "ada-lovelace");
    const { id } = await sessions.load(jar.request());
    mode.read = "throw";
    assert.equal((await sessions.load(jar.request())).invalidReason, "revocation_unavailable");
    assert.equal((await sessions.load(jar.request())).userId, "ada-lovelace");
    assert.equal(events.length, 2);
    for (const event of events) {
      assert.equal(event.operation, "check");
      assert.equal(event.kind, "error");
      assert.ok(event.error instanceof Error);
      const shown = JSON.stringify({ ...event, error: String(event.error) });
      assert.ok(!shown.includes(id) && !shown.includes("ada-lovelace"), "no ids in the event");
    }
  });

  t.test("a failed logout write still clears the cookie and returns a typed error", async () => {
    const { store, mode } = faulty();
    const events: RevocationErrorEvent[] = [];
    const sessions = manager({ store, onStoreError: (event) => void events.push(event) });
    const jar = await loggedIn(sessions, "ada");
    mode.write = "throw";
    const { result } = await visit(sessions, jar, (session) => session.destroy());
    assert.deepEqual(jar.names(), [], "the local logout happened");
    assert.ok(result.revocationError instanceof RevocationWriteError);
    assert.equal(result.revocationError.code, "revocation_write_failed");
    assert.equal(result.revocationError.retryScheduled, false);
    assert.deepEqual(
      events.map(({ operation, kind, retry }) => ({ operation, kind, retry })),
      [{ operation: "revokeSession", kind: "error", retry: false }],
    );
  });

  t.test("a failed write is retried through waitUntil", async () => {
    const { store, mode, calls } = faulty();
    const sessions = manager({ store, retryDelay: 0, onStoreError: () => undefined });
    const jar = await loggedIn(sessions, "ada");
    const stolen = copy(jar);
    mode.write = "throw";
    const pending: Promise<unknown>[] = [];
    const { result } = await visit(
      sessions,
      jar,
      (session) => session.destroy(),
      (promise) => pending.push(promise),
    );
    assert.equal(result.revocationError?.retryScheduled, true);
    assert.equal(pending.length, 1);
    // The store recovers before the retry runs (it waits for a timer, after this response).
    mode.write = "ok";
    assert.equal(calls.revokeSession, 1);
    await Promise.all(pending);
    assert.equal(calls.revokeSession, 2);
    assert.equal((await sessions.load(stolen.request())).invalidReason, "revoked");
  });

  t.test("a failed or hanging revocation write never fails a login", async () => {
    const { store, mode } = faulty();
    const sessions = manager({ store, timeout: 20, onStoreError: () => undefined });
    for (const failure of ["throw", "hang"] as const) {
      const jar = await loggedIn(sessions, "ada");
      mode.write = failure;
      const { result, written } = await visit(sessions, jar, (session) => session.login("grace"));
      mode.write = "ok";
      assert.ok(result.revocationError instanceof RevocationWriteError);
      assert.equal(written.length, 1);
      assert.equal((await sessions.load(jar.request())).userId, "grace");
    }
  });

  t.test("login over an anonymous session writes nothing; over a user's session, one write", async () => {
    const { store, calls } = faulty();
    const sessions = manager(store);
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data.views = 1;
    });
    await visit(sessions, jar, (session) => session.login("ada"));
    assert.equal(calls.revokeSession, 0);
    await visit(sessions, jar, (session) => session.login("grace"));
    assert.equal(calls.revokeSession, 1);
  });

  t.test("revokeUser throws a typed error when the store cannot record it", async () => {
    const { store, mode } = faulty();
    const sessions = manager({ store, onStoreError: () => undefined });
    mode.write = "throw";
    await assert.rejects(sessions.revokeUser("ada"), (error) => {
      assert.ok(error instanceof RevocationWriteError);
      assert.equal(error.code, "revocation_write_failed");
      return true;
    });
    await assert.rejects(createSessions({ secrets }).revokeUser("ada"), { code: "invalid_config" });
  });

  t.test("the revocation option is checked at start-up", () => {
    const bad = [
      {},
      { store: {} },
      { store: memoryRevocationStore(), timeout: 0 },
      { store: memoryRevocationStore(), onStoreError: "maybe" },
    ];
    for (const revocation of bad) {
      assert.throws(() => createSessions({ secrets, revocation: revocation as never }), {
        code: "invalid_config",
      });
    }
  });
}
