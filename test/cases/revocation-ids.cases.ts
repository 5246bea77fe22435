/**
 * Which ids a request revokes when it ends them: exactly those a client may hold — the id its cookie
 * carried, an id it already committed, an id a token names. An id minted and replaced within the
 * same request never left the server, so it costs no revocation write.
 */
import assert from "node:assert/strict";
import {
  createSessions,
  generateSecret,
  memoryRevocationStore,
  type RevocationStore,
  sessionTokens,
} from "sealed-session";
import type { Suite } from "../harness.ts";
import { clock, Jar } from "../support/http.ts";

const now = clock().now;

/** A memory store that records the session ids it was asked to revoke. */
function recording() {
  const base = memoryRevocationStore({ now });
  const revoked: string[] = [];
  const store: RevocationStore = {
    isRevoked: (query) => base.isRevoked(query),
    revokeSession: (fact) => {
      revoked.push(fact.sessionId);
      return base.revokeSession(fact);
    },
    revokeUser: (fact) => base.revokeUser(fact),
  };
  return { store, revoked };
}

function manager(store: RevocationStore) {
  return createSessions({
    secrets: generateSecret(),
    now,
    revocation: store,
    tokens: sessionTokens({ issuer: "app", audience: "app-api" }),
  });
}

const bearer = (token: string) =>
  new Request("https://api.example/", { headers: { authorization: `Bearer ${token}` } });

export default (t: Suite) => {
  t.test("login then regenerate in one request revokes the cookie's id only", async () => {
    const { store, revoked } = recording();
    const sessions = manager(store);
    const jar = new Jar();
    const first = await sessions.load(jar.request());
    first.login("alice");
    const headers = new Headers();
    await sessions.commit(first, headers);
    jar.apply(headers);
    assert.deepEqual(revoked, [], "a new session had no id a client held");

    const again = await sessions.load(jar.request());
    const fromCookie = again.id;
    again.login("alice");
    const minted = again.id;
    again.regenerate({ keep: true });
    const result = await sessions.commit(again, new Headers());
    assert.equal(result.revocationError, undefined);
    assert.deepEqual(revoked, [fromCookie]);
    assert.notEqual(again.id, minted);
    assert.ok(await store.isRevoked({ sessionId: fromCookie, userId: "alice", issuedAt: 0 }));
  });

  t.test("an id committed and then replaced in the same request is revoked", async () => {
    const { store, revoked } = recording();
    const sessions = manager(store);
    const session = await sessions.load(new Request("https://app.example/"));
    session.login("alice");
    const sent = new Headers();
    await sessions.commit(session, sent);
    assert.equal(sent.getSetCookie().length, 1);
    const committed = session.id;
    session.regenerate({ keep: true });
    await sessions.commit(session, new Headers());
    assert.deepEqual(revoked, [committed]);
  });

  t.test("a token issued and its session destroyed in one request: the token is revoked", async () => {
    const { store, revoked } = recording();
    const sessions = manager(store);
    const session = await sessions.load(new Request("https://app.example/"));
    session.login("alice");
    const { token } = await sessions.issueToken(session);
    assert.ok((await sessions.verifyToken(bearer(token))).ok);
    session.destroy();
    await sessions.commit(session, new Headers());
    assert.equal(revoked.length, 1);
    const after = await sessions.verifyToken(bearer(token));
    assert.equal(after.ok, false);
    assert.equal(after.ok ? undefined : after.reason, "revoked");
  });

  t.test("a new session logged in and destroyed before any commit writes nothing", async () => {
    const { store, revoked } = recording();
    const sessions = manager(store);
    const session = await sessions.load(new Request("https://app.example/"));
    session.login("alice");
    session.regenerate();
    session.destroy();
    const headers = new Headers();
    await sessions.commit(session, headers);
    assert.deepEqual(revoked, []);
  });
};
