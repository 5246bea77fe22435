import assert from "node:assert/strict";
import { CompactEncrypt, decodeJwt, decodeProtectedHeader, EncryptJWT } from "jose";
import {
  createSessions,
  createTokens,
  type EncryptedTokenOptions,
  generateSecret,
  memoryRevocationStore,
  type TokenReason,
} from "sealed-session";
import type { Suite } from "../harness.ts";

const ISSUER = "sealed-session-test";
const AUDIENCE = "sealed-session-test-api";
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const TYP = "sealed-session+jwt";

async function setup(overrides: Partial<EncryptedTokenOptions<Record<string, unknown>>> = {}) {
  let time = T0;
  const now = () => time;
  const secret = generateSecret();
  const sessions = createSessions({ secrets: secret, now });
  const tokens = createTokens({ secrets: secret, issuer: ISSUER, audience: AUDIENCE, now, ...overrides });
  const session = await sessions.load(new Request("https://app.example/"));
  session.login("alice");
  return { secret, sessions, tokens, session, setTime: (ms: number) => (time = ms) };
}

/** The documented derivation: HKDF-SHA-256 over the secret, empty salt, `info` naming the purpose. */
async function derivedKey(secret: string, info: string): Promise<CryptoKey> {
  const utf8 = new TextEncoder();
  const base = await crypto.subtle.importKey("raw", utf8.encode(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8.encode(info) },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

const cookieRequest = (name: string, value: string) =>
  new Request("https://app.example/", { headers: { cookie: `${name}=${value}` } });

async function cookieOf(
  sessions: ReturnType<typeof createSessions>,
  session: Parameters<typeof sessions.commit>[0],
) {
  const headers = new Headers();
  await sessions.commit(session, headers);
  const pair = headers.getSetCookie()[0]!.split(";")[0]!;
  return pair.slice(pair.indexOf("=") + 1);
}

function rejected(result: { ok: boolean; reason?: TokenReason }, reason: TokenReason) {
  assert.equal(result.ok, false, `expected ${reason}, got a valid token`);
  assert.equal(result.reason, reason);
}

export default (t: Suite) => {
  t.test("an encrypted token round-trips and its claims are unreadable without the secret", async () => {
    const { tokens, session } = await setup();
    const { token, expiresAt } = await tokens.issue(session);
    assert.equal(tokens.format, "jwe");
    assert.equal(token.split(".").length, 5);
    const header = decodeProtectedHeader(token);
    assert.deepEqual(Object.keys(header).sort(), ["alg", "enc", "kid", "typ"]);
    assert.equal(header.alg, "dir");
    assert.equal(header.enc, "A256GCM");
    assert.equal(header.typ, TYP);
    assert.throws(() => decodeJwt(token));
    assert.equal(token.includes(btoa("alice").slice(0, 6)), false);
    const result = await tokens.verify(
      new Request("https://api.example/", { headers: { authorization: `Bearer ${token}` } }),
    );
    assert.ok(result.ok);
    assert.equal(result.claims.sub, "alice");
    assert.equal(result.claims.sid, session.id);
    assert.equal(result.claims.exp, expiresAt);
  });

  t.test(
    "a bearer token offered as the session cookie is rejected, even without its typ header",
    async () => {
      const { secret, tokens, sessions, session } = await setup();
      const { token } = await tokens.issue(session);
      const asCookie = await sessions.load(cookieRequest(sessions.cookieName, token));
      assert.equal(asCookie.isNew, true);
      assert.equal(asCookie.userId, undefined);
      assert.notEqual(asCookie.invalidReason, undefined);
      // Strip the purpose from the header: a well-formed session envelope under the bearer key still fails,
      // because the key itself is bound to its purpose.
      const kid = String(decodeProtectedHeader(token).kid);
      const envelope = JSON.stringify([1, session.id, T0, 3600, 0, 0, "alice", {}]);
      const bearerKey = await derivedKey(secret, `sealed-session/v1 bearer:${AUDIENCE}`);
      const smuggled = await new CompactEncrypt(new TextEncoder().encode(envelope))
        .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid })
        .encrypt(bearerKey);
      const loaded = await sessions.load(cookieRequest(sessions.cookieName, smuggled));
      assert.equal(loaded.invalidReason, "bad_seal");
      // The control: the same envelope under the cookie's key is a valid session.
      const cookieKey = await derivedKey(secret, `sealed-session/v1 cookie:${sessions.cookieName}`);
      const genuine = await new CompactEncrypt(new TextEncoder().encode(envelope))
        .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid })
        .encrypt(cookieKey);
      assert.equal((await sessions.load(cookieRequest(sessions.cookieName, genuine))).userId, "alice");
    },
  );

  t.test("a session cookie offered as a bearer token is rejected, even with our typ header", async () => {
    const { secret, tokens, sessions, session } = await setup();
    const cookie = await cookieOf(sessions, session);
    rejected(await tokens.verify(cookie), "wrong_type");
    const claims = decodeJwtClaims(await tokens.verify((await tokens.issue(session)).token));
    const kid = String(decodeProtectedHeader(cookie).kid);
    const cookieKey = await derivedKey(secret, `sealed-session/v1 cookie:${sessions.cookieName}`);
    const smuggled = await new EncryptJWT(claims)
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", typ: TYP, kid })
      .encrypt(cookieKey);
    rejected(await tokens.verify(smuggled), "bad_seal");
    // The control: the same claims under the bearer key verify.
    const bearerKey = await derivedKey(secret, `sealed-session/v1 bearer:${AUDIENCE}`);
    const genuine = await new EncryptJWT(claims)
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", typ: TYP, kid })
      .encrypt(bearerKey);
    assert.equal((await tokens.verify(genuine)).ok, true);
  });

  t.test("the key is bound to the audience; a wrong issuer is wrong_issuer", async () => {
    const { secret, tokens, session, setTime } = await setup();
    const { token } = await tokens.issue(session);
    setTime(T0);
    const now = () => T0;
    rejected(
      await createTokens({ secrets: secret, issuer: ISSUER, audience: "other-api", now }).verify(token),
      "bad_seal",
    );
    rejected(
      await createTokens({ secrets: secret, issuer: "other", audience: AUDIENCE, now }).verify(token),
      "wrong_issuer",
    );
  });

  t.test("tampering, another enc, an unknown secret and an expired token are typed reasons", async () => {
    const { secret, tokens, session, setTime } = await setup({ ttl: 60 });
    const { token, expiresAt } = await tokens.issue(session);
    const parts = token.split(".");
    const cipher = parts[3]!;
    parts[3] = (cipher.startsWith("A") ? "B" : "A") + cipher.slice(1);
    rejected(await tokens.verify(parts.join(".")), "bad_seal");
    const kid = String(decodeProtectedHeader(token).kid);
    const a128 = await new EncryptJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "dir", enc: "A128GCM", typ: TYP, kid })
      .encrypt(new Uint8Array(16));
    rejected(await tokens.verify(a128), "unsupported_alg");
    const stranger = createTokens({
      secrets: generateSecret(),
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => T0,
    });
    rejected(await stranger.verify(token), "unknown_key");
    // Rotation: the old secret listed second still verifies.
    const rotated = createTokens({
      secrets: [generateSecret(), secret],
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => T0,
    });
    assert.equal((await rotated.verify(token)).ok, true);
    setTime(expiresAt * 1000 + 5000);
    rejected(await tokens.verify(token), "expired");
  });

  t.test("revocation by session id and by user applies to encrypted tokens", async () => {
    const store = memoryRevocationStore({ now: () => T0 });
    const { tokens, session, secret } = await setup();
    const guarded = createTokens({
      secrets: secret,
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => T0,
      revocation: store,
    });
    const { token } = await tokens.issue(session);
    assert.equal((await guarded.verify(token)).ok, true);
    await store.revokeSession({ sessionId: session.id, until: session.expiresAt });
    rejected(await guarded.verify(token), "revoked");
    const other = createTokens({
      secrets: secret,
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => T0,
      revocation: memoryRevocationStore({ now: () => T0 }),
    });
    const byUser = memoryRevocationStore({ now: () => T0 });
    const guardedByUser = createTokens({
      secrets: secret,
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => T0,
      revocation: byUser,
    });
    assert.equal((await other.verify(token)).ok, true);
    await byUser.revokeUser({ userId: "alice", cutoff: T0, until: T0 + 86_400_000 });
    rejected(await guardedByUser.verify(token), "revoked");
  });
};

function decodeJwtClaims(result: { ok: boolean; claims?: object }): Record<string, unknown> {
  assert.ok(result.ok && result.claims);
  return { ...result.claims };
}
