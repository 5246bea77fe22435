// Step-up freshness: authAt, isFresh(seconds) at its boundaries (injected clock), and
// reauthenticated(): a new id, data and user kept, the old id revoked — with a revocation store,
// a registry (the entry rotates) and a data store (the record moves).
import assert from "node:assert/strict";
import { createSessions, generateSecret, memoryRevocationStore, SessionReadOnlyError } from "sealed-session";
import { memoryRegistry } from "sealed-session/registry";
import { memoryStore } from "sealed-session/store";
import type { Suite } from "../harness.ts";
import { clock, Jar, visit } from "../support/http.ts";

const secrets = generateSecret();

export default (t: Suite) => {
  t.test(
    "session ids are 128 random bits in base64url, a new one on every login (ASVS V7.2.3, V7.2.4)",
    async () => {
      const sessions = createSessions({ secrets });
      const ids = new Set<string>();
      const jar = new Jar();
      for (let i = 0; i < 200; i++) {
        const { session } = await visit(sessions, jar, (session) => session.login(`user-${i % 3}`));
        assert.match(session.id, /^[A-Za-z0-9_-]{22}$/);
        ids.add(session.id);
      }
      assert.equal(ids.size, 200);
    },
  );

  t.test("authAt is the login time; isFresh(seconds) holds up to exactly that age", async () => {
    const time = clock();
    const sessions = createSessions({ secrets, now: time.now });
    const jar = new Jar();
    const { session: anonymous } = await visit(sessions, jar);
    assert.equal(anonymous.authAt, undefined);
    assert.equal(anonymous.isFresh(300), false);
    time.advance(7);
    const loginAt = time.time;
    await visit(sessions, jar, (session) => session.login("ada"));
    time.advance(300);
    let session = await sessions.load(jar.request());
    assert.equal(session.authAt, loginAt, "authAt survives the cookie");
    assert.equal(session.isFresh(300), true, "300 s after login is still fresh for 300");
    time.advance(0.001);
    session = await sessions.load(jar.request());
    assert.equal(session.isFresh(300), false, "one ms later it is not");
    assert.equal(session.isFresh(301), true);
    assert.throws(() => session.isFresh(-1), TypeError);
  });

  t.test("refreshes and data changes never move authAt; logging in again does", async () => {
    const time = clock();
    const sessions = createSessions({ secrets, now: time.now, idleTimeout: 600, refreshAfter: 10 });
    const jar = new Jar();
    const first = await visit(sessions, jar, (session) => session.login("ada"));
    for (let i = 0; i < 3; i++) {
      time.advance(120);
      await visit(sessions, jar, (session) => {
        session.data.n = i;
      });
    }
    const later = await visit(sessions, jar);
    assert.equal(later.session.authAt, first.session.authAt);
    assert.equal(later.session.isFresh(300), false);
    const again = await visit(sessions, jar, (session) => session.login("ada"));
    assert.equal(again.session.authAt, time.time);
    assert.equal(again.session.isFresh(0), true);
  });

  t.test("reauthenticated(): new id, data, user and expiry kept, authAt now, old id revoked", async () => {
    const time = clock();
    const revocation = memoryRevocationStore({ now: time.now });
    const sessions = createSessions({ secrets, now: time.now, maxAge: 3600, revocation });
    const jar = new Jar();
    const first = await visit(sessions, jar, (session) => {
      session.login("ada");
      session.data.cart = ["book"];
    });
    const stolen = jar.header;
    time.advance(1000.4);
    const { session } = await visit(sessions, jar, (session) => session.reauthenticated());
    assert.notEqual(session.id, first.session.id);
    assert.equal(session.userId, "ada");
    assert.deepEqual(session.data, { cart: ["book"] });
    assert.equal(session.expiresAt, first.session.expiresAt);
    assert.equal(session.authAt, time.time);
    const next = await visit(sessions, jar);
    assert.equal(next.session.id, session.id);
    assert.equal(next.session.isFresh(1), true);
    // Stored to the second, rounded down: never fresher than it really is.
    assert.ok(next.session.authAt! <= time.time && next.session.authAt! > time.time - 1000);
    const replayed = await sessions.load(
      new Request("https://example.com/", { headers: { cookie: stolen } }),
    );
    assert.equal(replayed.invalidReason, "revoked");
  });

  t.test("reauthenticated() with a registry rotates the entry: one device, the old id ended", async () => {
    const registry = memoryRegistry();
    const sessions = createSessions({ secrets, registry: { store: registry, checkEvery: 0 } });
    const jar = new Jar();
    const first = await visit(sessions, jar, (session) => session.login("ada", { label: "laptop" }));
    const stolen = jar.header;
    const [before] = await sessions.listSessions("ada");
    const { session } = await visit(sessions, jar, (session) => session.reauthenticated());
    assert.notEqual(session.id, first.session.id);
    const after = await sessions.listSessions(session);
    assert.equal(after.length, 1);
    assert.equal(after[0]?.id, before?.id, "the same device entry, moved to the new id");
    assert.equal(after[0]?.current, true);
    const replayed = await sessions.load(
      new Request("https://example.com/", { headers: { cookie: stolen } }),
    );
    assert.equal(replayed.invalidReason, "revoked");
    assert.equal((await visit(sessions, jar)).session.userId, "ada");
  });

  t.test("reauthenticated() with a data store moves the record to the new id", async () => {
    const store = memoryStore();
    const sessions = createSessions({ secrets, store });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.login("ada");
      session.moveToStore();
      session.data.cart = { book: 1 };
    });
    const stolen = jar.header;
    const { session } = await visit(sessions, jar, (session) => session.reauthenticated());
    assert.equal(session.storedIn, "store");
    const next = await visit(sessions, jar);
    assert.deepEqual(next.session.data, { cart: { book: 1 } });
    assert.equal(next.session.isFresh(5), true);
    const replayed = await sessions.load(
      new Request("https://example.com/", { headers: { cookie: stolen } }),
    );
    assert.equal(replayed.invalidReason, "revoked");
  });

  t.test("reauthenticated() needs a logged-in, writable session", async () => {
    const sessions = createSessions({
      secrets,
      revocation: {
        store: {
          isRevoked: () => Promise.reject(new Error("down")),
          revokeSession: async () => {},
          revokeUser: async () => {},
        },
      },
    });
    const anonymous = await sessions.load(new Request("https://example.com/"));
    assert.throws(() => anonymous.reauthenticated(), TypeError);
    const writer = createSessions({ secrets });
    const jar = new Jar();
    await visit(writer, jar, (session) => session.login("ada"));
    const readOnly = await sessions.load(jar.request());
    assert.equal(readOnly.readOnly, true);
    assert.throws(() => readOnly.reauthenticated(), SessionReadOnlyError);
  });
};
