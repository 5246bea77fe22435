/**
 * Interop with the iron ecosystem, through the real packages (dev dependencies). iron-session
 * returns `{}` instead of throwing when it cannot unseal, so every check compares the real data.
 * Needs a runtime with `node:crypto` (for @hapi/iron): Node, Deno, Bun.
 */
import assert from "node:assert/strict";
import * as Iron from "@hapi/iron";
import * as ironSession from "iron-session";
import * as ironSessionV8 from "iron-session-v8";
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from "jose";
import { createSessions, generateSecret, seal, UnsealError, unseal } from "sealed-session";
import type { Suite } from "../harness.ts";
import { clock, Jar, requestWithCookie, tokenOf, visit } from "../support/http.ts";

const secret = generateSecret();
const data = { user: { id: 42, name: "Ada Lovelace", admin: true }, cart: ["book", "pen"], note: "héllo ✓" };

const versions = [
  ["iron-session v9", ironSession],
  ["iron-session v8", ironSessionV8],
] as const;

export default (t: Suite) => {
  t.test("unseal reads @hapi/iron tokens, with and without a password id or ttl", async () => {
    const plain = await Iron.seal(data, secret, Iron.defaults);
    assert.deepEqual(await unseal(plain, { secrets: secret }), data);
    const withId = await Iron.seal(data, { id: "abc", secret }, { ...Iron.defaults, ttl: 60_000 });
    assert.deepEqual(await unseal(withId, { secrets: secret }), data);
    assert.deepEqual(await unseal(withId, { secrets: [generateSecret(), secret] }), data);
    await assert.rejects(
      unseal(plain, { secrets: generateSecret() }),
      (error: unknown) => error instanceof UnsealError && error.code === "unknown_key",
    );
  });

  for (const [name, library] of versions) {
    t.test(`unseal reads ${name} tokens (with their ~2 suffix)`, async () => {
      const token = await library.sealData(data, { password: secret });
      assert.match(token, /~2$/);
      assert.deepEqual(await unseal(token, { secrets: secret }), data);
      assert.deepEqual(await unseal(token, { secrets: [{ id: "1", secret }] }), data);
      const rotated = await library.sealData(data, { password: { 1: generateSecret(), 2: secret } });
      assert.deepEqual(await unseal(rotated, { secrets: secret }), data);
    });
  }

  t.test("an iron-session token's own ttl expires inside the seal, with our tolerance", async () => {
    const token = await ironSession.sealData(data, { password: secret, ttl: 60 });
    const time = clock(Date.now());
    assert.deepEqual(await unseal(token, { secrets: secret, now: time.now }), data);
    time.advance(60 + 6);
    await assert.rejects(
      unseal(token, { secrets: secret, now: time.now }),
      (error: unknown) => error instanceof UnsealError && error.code === "expired",
    );
  });

  t.test('seal({ format: "iron" }) makes tokens @hapi/iron unseals', async () => {
    const token = await seal(data, { secrets: secret, format: "iron" });
    assert.deepEqual(await Iron.unseal(token, secret, Iron.defaults), data);
    const expiring = await seal(data, { secrets: secret, format: "iron", ttl: 60 });
    assert.deepEqual(await Iron.unseal(expiring, secret, Iron.defaults), data);
  });

  t.test(
    'iron-session v9 unseals seal({ format: "iron" }) made with secrets [{ id: "1", secret }]',
    async () => {
      const token = await seal(data, { secrets: [{ id: "1", secret }], format: "iron" });
      assert.deepEqual(await ironSession.unsealData(token, { password: secret }), data);
      assert.deepEqual(await ironSession.unsealData(token, { password: { 1: secret } }), data);
      // With a content-derived id, iron-session cannot find the password: that is what pinning is for.
      const derived = await seal(data, { secrets: secret, format: "iron" });
      assert.deepEqual(await ironSession.unsealData(derived, { password: secret }), {});
    },
  );

  t.test('iron-session v8 unseals iron tokens sealed with ironSuffix: "~2"', async () => {
    const token = await seal(data, { secrets: [{ id: "1", secret }], format: "iron", ironSuffix: "~2" });
    assert.match(token, /~2$/);
    assert.deepEqual(await ironSessionV8.unsealData(token, { password: secret }), data);
    assert.deepEqual(await ironSession.unsealData(token, { password: secret }), data);
    // Without the suffix v8 takes the token for its v1 layout and finds no data.
    const bare = await seal(data, { secrets: [{ id: "1", secret }], format: "iron" });
    assert.notDeepEqual(await ironSessionV8.unsealData(bare, { password: secret }), data);
  });

  for (const [name, library] of versions) {
    t.test(`a session manager adopts a ${name} cookie and re-seals it as jwe`, async () => {
      const sessions = createSessions<typeof data>({
        secrets: [{ id: "1", secret }],
        format: ["jwe", "iron"],
        adoptIronSessions: true,
        cookie: { name: "app" },
      });
      const legacy = await library.sealData(data, { password: secret });
      const jar = new Jar();
      jar.set(sessions.cookieName, legacy);
      const { session, written } = await visit(sessions, jar);
      assert.equal(session.isNew, false);
      assert.equal(session.invalidReason, undefined);
      assert.deepEqual(session.data, data);
      assert.equal(written.length, 1, "re-sealed on this response");
      assert.ok(tokenOf(written).startsWith("eyJ"));
      const next = await visit(sessions, jar);
      assert.deepEqual(next.session.data, data);
      assert.equal(next.session.id, session.id);
      assert.deepEqual(next.written, []);
    });
  }

  t.test("a jwe-only manager does not adopt an iron-session cookie", async () => {
    const sessions = createSessions({ secrets: [{ id: "1", secret }], cookie: { name: "app" } });
    const legacy = await ironSession.sealData(data, { password: secret });
    const session = await sessions.load(requestWithCookie(`${sessions.cookieName}=${legacy}`));
    assert.equal(session.invalidReason, "malformed");
  });

  t.test("without adoptIronSessions, a plain iron value (e.g. from seal()) is not a session", async () => {
    const sessions = createSessions({
      secrets: [{ id: "1", secret }],
      format: ["jwe", "iron"],
      cookie: { name: "app" },
    });
    for (const token of [
      await ironSession.sealData(data, { password: secret }),
      await seal(data, { secrets: [{ id: "1", secret }], format: "iron" }),
    ]) {
      const session = await sessions.load(requestWithCookie(`${sessions.cookieName}=${token}`));
      assert.equal(session.isNew, true);
      assert.equal(session.invalidReason, "malformed");
    }
    assert.throws(
      () => createSessions({ secrets: secret, adoptIronSessions: true }),
      (error: Error & { code?: string }) =>
        error.code === "invalid_config" && /adoptIronSessions/.test(error.message),
    );
  });

  t.test("an adopted iron-session cookie keeps its remaining lifetime, capped by maxAge", async () => {
    const time = clock(Date.now());
    const sessions = createSessions({
      secrets: secret,
      format: ["jwe", "iron"],
      adoptIronSessions: true,
      maxAge: 3600,
      now: time.now,
    });
    const short = await ironSession.sealData(data, { password: secret, ttl: 600 });
    // iron-session read its own clock between time.time and now; the lifetime rounds up to a second.
    const sealed = Date.now();
    const fromShort = await sessions.load(requestWithCookie(`${sessions.cookieName}=${short}`));
    assert.ok(fromShort.expiresAt >= time.time + 600_000, String(fromShort.expiresAt - time.time));
    assert.ok(fromShort.expiresAt < sealed + 601_000, String(fromShort.expiresAt - sealed));
    const long = await ironSession.sealData(data, { password: secret });
    const fromLong = await sessions.load(requestWithCookie(`${sessions.cookieName}=${long}`));
    assert.ok(fromLong.expiresAt <= time.time + 3600_000);
  });

  // The jwe format is standard compact JWE: jose, the reference, reads ours and we read its.
  async function joseKey(purpose: string): Promise<CryptoKey> {
    const raw = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "HKDF", false, [
      "deriveKey",
    ]);
    return crypto.subtle.deriveKey(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: new Uint8Array(0),
        info: new TextEncoder().encode(`sealed-session/v1 seal:${purpose}`),
      },
      raw,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
  }

  t.test("jose's compactDecrypt opens our jwe tokens, with and without ttl", async () => {
    const key = await joseKey("interop");
    for (const ttl of [undefined, 60]) {
      const token = await seal(data, { secrets: secret, purpose: "interop", ttl });
      const { plaintext, protectedHeader } = await compactDecrypt(token, key, {
        keyManagementAlgorithms: ["dir"],
        contentEncryptionAlgorithms: ["A256GCM"],
      });
      assert.deepEqual(JSON.parse(new TextDecoder().decode(plaintext)), data);
      assert.equal(protectedHeader.alg, "dir");
      assert.equal(protectedHeader.enc, "A256GCM");
      assert.equal(typeof protectedHeader.kid, "string");
      assert.equal(protectedHeader.exp === undefined, ttl === undefined);
    }
  });

  t.test("unseal opens a compact JWE made by jose's CompactEncrypt", async () => {
    const key = await joseKey("interop");
    const ours = await seal(data, { secrets: secret, purpose: "interop" });
    const { kid } = decodeProtectedHeader(ours);
    const made = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(data)))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid })
      .encrypt(key);
    assert.deepEqual(await unseal(made, { secrets: secret, purpose: "interop" }), data);
    // jose with an unknown kid: tried against every listed secret, still opens.
    const legacy = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(data)))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: "" })
      .encrypt(key);
    assert.deepEqual(await unseal(legacy, { secrets: secret, purpose: "interop" }), data);
  });
};
