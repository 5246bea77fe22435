import assert from "node:assert/strict";
import {
  base64url,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
} from "jose";
import {
  ConfigError,
  createSessions,
  createTokens,
  generateSecret,
  generateSigningKey,
  memoryRevocationStore,
  type RevocationStore,
  type SignedTokenOptions,
  type TokenReason,
} from "sealed-session";
import type { Suite } from "../harness.ts";

const ISSUER = "sealed-session-test";
const AUDIENCE = "sealed-session-test-api";
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

/** A clock the test moves, shared by sessions, tokens and the revocation store. */
function clock(start = T0) {
  let time = start;
  return { now: () => time, set: (ms: number) => (time = ms), advance: (ms: number) => (time += ms) };
}

async function setup(overrides: Partial<SignedTokenOptions<Record<string, unknown>>> = {}, start = T0) {
  const time = clock(start);
  const key = await generateSigningKey();
  const sessions = createSessions({ secrets: generateSecret(), now: time.now });
  const tokens = createTokens<Record<string, unknown>>({
    signingKeys: key.privateJwk,
    issuer: ISSUER,
    audience: AUDIENCE,
    now: time.now,
    ...overrides,
  });
  const session = await sessions.load(new Request("https://app.example/"));
  session.login("alice");
  return { time, key, sessions, tokens, session };
}

const bearer = (token: string) =>
  new Request("https://api.example/", { headers: { authorization: `Bearer ${token}` } });

function rejected(result: { ok: boolean; reason?: TokenReason }, reason: TokenReason) {
  assert.equal(result.ok, false, `expected ${reason}, got a valid token`);
  assert.equal(result.reason, reason);
}

/** The order of P-256: an ES256 signature (r, s) also verifies as (r, N − s). */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const sOf = (token: string) => {
  const bytes = base64url.decode(token.split(".")[2]!);
  return BigInt(`0x${[...bytes.subarray(32)].map((b) => b.toString(16).padStart(2, "0")).join("")}`);
};
const highS = (token: string) => token !== "" && sOf(token) > N / 2n;
/** The same token with s replaced by N − s: the other valid spelling of its signature. */
function flipS(token: string): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const bytes = base64url.decode(signature);
  const flipped = (N - sOf(token)).toString(16).padStart(64, "0");
  for (let i = 0; i < 32; i++) bytes[32 + i] = Number.parseInt(flipped.slice(2 * i, 2 * i + 2), 16);
  return `${header}.${payload}.${base64url.encode(bytes)}`;
}

/** An ES256 token as we write it: low-S (Web Crypto signs high-S about half the time). */
const lowS = (token: string) => (highS(token) ? flipS(token) : token);

/** Re-encodes one compact segment's JSON. */
const segment = (value: unknown) => base64url.encode(JSON.stringify(value));

export default (t: Suite) => {
  t.test("a signed token carries sub, sid, a fresh jti, iss, aud, iat and a fixed exp", async () => {
    const { tokens, session } = await setup({ ttl: 120 });
    const first = await tokens.issue(session);
    const second = await tokens.issue(session);
    const header = decodeProtectedHeader(first.token);
    assert.deepEqual(Object.keys(header).sort(), ["alg", "kid", "typ"]);
    assert.equal(header.alg, "EdDSA");
    assert.equal(header.typ, "sealed-session+jwt");
    const claims = decodeJwt(first.token);
    assert.equal(claims.sub, "alice");
    assert.equal(claims.sid, session.id);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, AUDIENCE);
    assert.equal(claims.iat, T0 / 1000);
    assert.equal(claims.exp, T0 / 1000 + 120);
    assert.equal(first.expiresAt, claims.exp);
    assert.equal(claims.auth_time, session.issuedAt / 1000);
    assert.equal(claims.auth_ms, session.issuedAt);
    assert.match(String(claims.jti), /^[\w-]{22}$/);
    assert.notEqual(claims.jti, decodeJwt(second.token).jti);
    // Nothing of the session's data travels unless listed.
    assert.deepEqual(Object.keys(claims).sort(), [
      "aud",
      "auth_ms",
      "auth_time",
      "exp",
      "iat",
      "iss",
      "jti",
      "sid",
      "sub",
    ]);
    const result = await tokens.verify(bearer(first.token));
    assert.equal(result.ok, true);
    assert.ok(result.ok);
    assert.equal(result.claims.sub, "alice");
    assert.equal(result.claims.sid, session.id);
  });

  t.test("another service verifies with plain jose and the published JWKS alone", async () => {
    const { tokens, session, key } = await setup();
    const { token } = await tokens.issue(session);
    const jwks = await tokens.jwks();
    // What a service fetches: public members only.
    assert.equal(jwks.keys.length, 1);
    assert.equal("d" in jwks.keys[0]!, false);
    assert.equal(JSON.stringify(jwks).includes(JSON.parse(key.privateJwk).d), false);
    const keySet = createLocalJWKSet(JSON.parse(JSON.stringify(jwks)));
    const { payload, protectedHeader } = await jwtVerify(token, keySet, {
      algorithms: ["EdDSA"],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: "sealed-session+jwt",
      currentDate: new Date(T0),
    });
    assert.equal(payload.sub, "alice");
    assert.equal(protectedHeader.kid, key.kid);
  });

  t.test("ES256 keys sign and verify too, pinned to ES256", async () => {
    const key = await generateSigningKey("ES256");
    const { tokens, session } = await setup({ signingKeys: key.privateJwk });
    const { token } = await tokens.issue(session);
    assert.equal(decodeProtectedHeader(token).alg, "ES256");
    assert.equal((await tokens.verify(token)).ok, true);
    const keySet = createLocalJWKSet(JSON.parse(JSON.stringify(await tokens.jwks())));
    await jwtVerify(token, keySet, { algorithms: ["ES256"], currentDate: new Date(T0) });
  });

  t.test(
    "ES256 signatures are written low-S; a high-S one, even made by jose with our key, is bad_seal",
    async () => {
      const key = await generateSigningKey("ES256");
      const { tokens, session } = await setup({ signingKeys: key.privateJwk });
      // Node's and workerd's Web Crypto pick high-S about half the time: 32 low-S tokens mean we normalise.
      const issued: string[] = [];
      for (let i = 0; i < 32; i++) issued.push((await tokens.issue(session)).token);
      for (const token of issued) {
        assert.equal(highS(token), false, "an issued ES256 signature has s > n/2");
        assert.equal((await tokens.verify(token)).ok, true);
      }
      // The twin (r, n − s) is valid ECDSA, so plain jose accepts it; we refuse the second spelling.
      const keySet = createLocalJWKSet(JSON.parse(JSON.stringify(await tokens.jwks())));
      const twin = flipS(issued[0]!);
      await jwtVerify(twin, keySet, { algorithms: ["ES256"], currentDate: new Date(T0) });
      rejected(await tokens.verify(twin), "bad_seal");
      // A high-S signature jose made with our own private key: refused too, its low-S twin accepted.
      // Deno's Web Crypto always signs low-S: there the high one is the twin of jose's signature.
      const signer = await importJWK(JSON.parse(key.privateJwk), "ES256");
      const claims = decodeJwt(issued[0]!);
      let joseHigh = "";
      for (let i = 0; i < 16 && !highS(joseHigh); i++) {
        joseHigh = await new SignJWT(claims)
          .setProtectedHeader({ alg: "ES256", typ: "sealed-session+jwt", kid: key.kid })
          .sign(signer);
      }
      if (!highS(joseHigh)) joseHigh = flipS(joseHigh);
      rejected(await tokens.verify(joseHigh), "bad_seal");
      assert.equal((await tokens.verify(flipS(joseHigh))).ok, true);
    },
  );

  t.test(
    "NumericDates are whole seconds; auth_ms keeps the login's ms, and old fractional tokens verify",
    async () => {
      const { tokens, session, key } = await setup({}, T0 + 1234);
      const { token } = await tokens.issue(session);
      const claims = decodeJwt(token);
      for (const name of ["iat", "exp", "auth_time"]) {
        assert.ok(Number.isInteger(claims[name]), `${name} is ${claims[name]}, not whole seconds`);
      }
      assert.equal(claims.auth_time, Math.floor(session.issuedAt / 1000));
      assert.equal(claims.auth_ms, session.issuedAt);
      const result = await tokens.verify(token);
      assert.ok(result.ok);
      assert.equal(result.claims.auth_ms, session.issuedAt);
      // auth_ms must agree with auth_time: we always write both from one clock reading.
      const signer = await importJWK(JSON.parse(key.privateJwk), "EdDSA");
      const sign = (payload: Record<string, unknown>) =>
        new SignJWT(payload)
          .setProtectedHeader({ alg: "EdDSA", typ: "sealed-session+jwt", kid: key.kid })
          .sign(signer);
      rejected(await tokens.verify(await sign({ ...claims, auth_ms: session.issuedAt + 5000 })), "malformed");
      rejected(await tokens.verify(await sign({ ...claims, auth_ms: "soon" })), "malformed");
      // A token written before auth_ms existed (at most `ttl` old on upgrade): ms in auth_time's fraction.
      const legacy: Record<string, unknown> = { ...claims, auth_time: session.issuedAt / 1000 };
      delete legacy.auth_ms;
      const old = await tokens.verify(await sign(legacy));
      assert.ok(old.ok);
      assert.equal(old.claims.auth_ms, session.issuedAt);
    },
  );

  t.test("a tampered payload or signature is bad_seal", async () => {
    const { tokens, session } = await setup();
    const { token } = await tokens.issue(session);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const claims = decodeJwt(token);
    const forged = `${header}.${segment({ ...claims, sub: "mallory" })}.${signature}`;
    rejected(await tokens.verify(forged), "bad_seal");
    const flipped = signature.startsWith("A") ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    rejected(await tokens.verify(`${header}.${payload}.${flipped}`), "bad_seal");
    rejected(await tokens.verify(`${header}.${payload}.`), "bad_seal");
  });

  t.test("alg none, HS256 over the public key, and another alg for a kid are unsupported_alg", async () => {
    const { tokens, session, key } = await setup();
    const { token } = await tokens.issue(session);
    const claims = decodeJwt(token);
    const none = `${segment({ alg: "none", typ: "sealed-session+jwt", kid: key.kid })}.${segment(claims)}.`;
    rejected(await tokens.verify(none), "unsupported_alg");
    // The classic confusion: an HMAC keyed with bytes the verifier publishes.
    const publicJwk = JSON.stringify((await tokens.jwks()).keys[0]);
    for (const secret of [new TextEncoder().encode(publicJwk), base64url.decode(key.publicJwk.x!)]) {
      const hs = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", typ: "sealed-session+jwt", kid: key.kid })
        .sign(secret);
      rejected(await tokens.verify(hs), "unsupported_alg");
    }
    // Two configured keys of different algorithms: a token must use its own key's algorithm.
    const ec = await generateKeyPair("ES256", { extractable: true });
    const ecJwk = { ...(await exportJWK(ec.privateKey)), kid: "ec-key" };
    const both = createTokens({
      signingKeys: [key.privateJwk, ecJwk],
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => T0,
    });
    const crossed = await new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", typ: "sealed-session+jwt", kid: key.kid })
      .sign(ec.privateKey);
    rejected(await both.verify(crossed), "unsupported_alg");
    const honest = lowS(
      await new SignJWT(claims)
        .setProtectedHeader({ alg: "ES256", typ: "sealed-session+jwt", kid: "ec-key" })
        .sign(ec.privateKey),
    );
    assert.equal((await both.verify(honest)).ok, true);
  });

  t.test("an unknown kid is unknown_key; another key claiming our kid is bad_seal", async () => {
    const { tokens, session, key } = await setup();
    const claims = decodeJwt((await tokens.issue(session)).token);
    const other = await generateKeyPair("EdDSA");
    const unknown = await new SignJWT(claims)
      .setProtectedHeader({ alg: "EdDSA", typ: "sealed-session+jwt", kid: "someone-else" })
      .sign(other.privateKey);
    rejected(await tokens.verify(unknown), "unknown_key");
    const noKid = await new SignJWT(claims)
      .setProtectedHeader({ alg: "EdDSA", typ: "sealed-session+jwt" })
      .sign(other.privateKey);
    rejected(await tokens.verify(noKid), "unknown_key");
    const impostor = await new SignJWT(claims)
      .setProtectedHeader({ alg: "EdDSA", typ: "sealed-session+jwt", kid: key.kid })
      .sign(other.privateKey);
    rejected(await tokens.verify(impostor), "bad_seal");
    // A header that points elsewhere for its key is refused before any crypto.
    const jku = await new SignJWT(claims)
      .setProtectedHeader({
        alg: "EdDSA",
        typ: "sealed-session+jwt",
        kid: key.kid,
        jku: "https://evil.example/",
      })
      .sign(other.privateKey);
    rejected(await tokens.verify(jku), "malformed");
  });

  t.test(
    "expiry uses the injected clock with a small tolerance; a token from the future is not_yet_valid",
    async () => {
      const { tokens, session, time } = await setup({ ttl: 60, clockTolerance: 5 });
      const { token, expiresAt } = await tokens.issue(session);
      time.set(expiresAt * 1000 + 4000);
      assert.equal((await tokens.verify(token)).ok, true);
      time.set(expiresAt * 1000 + 5000);
      rejected(await tokens.verify(token), "expired");
      time.set(T0 - 10_000);
      rejected(await tokens.verify(token), "not_yet_valid");
      // clockTolerance 0: expired the second exp is reached.
      const strict = await setup({ ttl: 60, clockTolerance: 0 });
      const issued = await strict.tokens.issue(strict.session);
      strict.time.set(issued.expiresAt * 1000);
      rejected(await strict.tokens.verify(issued.token), "expired");
    },
  );

  t.test("a token never outlives its session", async () => {
    const time = clock();
    const sessions = createSessions({
      secrets: generateSecret(),
      now: time.now,
      maxAge: 3600,
      idleTimeout: 90,
    });
    const tokens = createTokens({
      signingKeys: (await generateSigningKey()).privateJwk,
      issuer: ISSUER,
      audience: AUDIENCE,
      ttl: 600,
      now: time.now,
    });
    const session = await sessions.load(new Request("https://app.example/"));
    session.login("alice");
    const { expiresAt } = await tokens.issue(session);
    assert.equal(expiresAt, Math.floor(session.idleExpiresAt! / 1000));
  });

  t.test("revoked by session id (logout) and by user (log out everywhere)", async () => {
    const time = clock();
    const store = memoryRevocationStore({ now: time.now });
    const key = (await generateSigningKey()).privateJwk;
    const sessions = createSessions({ secrets: generateSecret(), now: time.now, revocation: store });
    const tokens = createTokens({
      signingKeys: key,
      issuer: ISSUER,
      audience: AUDIENCE,
      now: time.now,
      revocation: store,
    });
    const login = async () => {
      const session = await sessions.load(new Request("https://app.example/"));
      session.login("alice");
      return session;
    };
    const phone = await login();
    const laptop = await login();
    const phoneToken = (await tokens.issue(phone)).token;
    const laptopToken = (await tokens.issue(laptop)).token;
    await store.revokeSession({ sessionId: phone.id, until: phone.expiresAt });
    rejected(await tokens.verify(phoneToken), "revoked");
    assert.equal((await tokens.verify(laptopToken)).ok, true);

    time.advance(250);
    await store.revokeUser({ userId: "alice", cutoff: time.now(), until: time.now() + 86_400_000 });
    rejected(await tokens.verify(laptopToken), "revoked");
    // Logged in again in the same second as the cutoff, but after it: accepted (ms precision).
    time.advance(1);
    const fresh = await tokens.issue(await login());
    assert.equal((await tokens.verify(fresh.token)).ok, true);
  });

  t.test("a failing revocation store refuses the token: revocation_unavailable, never a throw", async () => {
    const failing: RevocationStore = {
      isRevoked: () => Promise.reject(new Error("store down")),
      revokeSession: () => Promise.resolve(),
      revokeUser: () => Promise.resolve(),
    };
    const { tokens, session, key } = await setup();
    const guarded = createTokens({
      signingKeys: key.privateJwk,
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => T0,
      revocation: failing,
    });
    const { token } = await tokens.issue(session);
    rejected(await guarded.verify(token), "revocation_unavailable");
    // The sessions' revocation options apply as they are: a deadline, and an explicit fail-open.
    const hanging: RevocationStore = { ...failing, isRevoked: () => new Promise<boolean>(() => {}) };
    const base = { signingKeys: key.privateJwk, issuer: ISSUER, audience: AUDIENCE, now: () => T0 };
    const timed = createTokens({ ...base, revocation: { store: hanging, timeout: 20 } });
    rejected(await timed.verify(token), "revocation_unavailable");
    const open = createTokens({ ...base, revocation: { store: failing, onStoreError: "open" } });
    assert.equal((await open.verify(token)).ok, true);
  });

  t.test("wrong audience and wrong issuer are typed reasons", async () => {
    const { tokens, session, key } = await setup();
    const { token } = await tokens.issue(session);
    const base = { signingKeys: key.privateJwk, now: () => T0 };
    rejected(
      await createTokens({ ...base, issuer: ISSUER, audience: "another-api" }).verify(token),
      "wrong_audience",
    );
    rejected(
      await createTokens({ ...base, issuer: "another-issuer", audience: AUDIENCE }).verify(token),
      "wrong_issuer",
    );
  });

  t.test("a JWT of another type and a session cookie offered as bearer are wrong_type", async () => {
    const { tokens, session, key, sessions } = await setup();
    const claims = decodeJwt((await tokens.issue(session)).token);
    const signer = await importJWK(JSON.parse(key.privateJwk), "EdDSA");
    for (const typ of ["JWT", "at+jwt", undefined]) {
      const other = await new SignJWT(claims)
        .setProtectedHeader(
          typ === undefined ? { alg: "EdDSA", kid: key.kid } : { alg: "EdDSA", typ, kid: key.kid },
        )
        .sign(signer);
      rejected(await tokens.verify(other), "wrong_type");
    }
    const headers = new Headers();
    await sessions.commit(session, headers);
    const cookie = headers.getSetCookie()[0]!.split(";")[0]!;
    const cookieToken = cookie.slice(cookie.indexOf("=") + 1);
    rejected(await tokens.verify(bearer(cookieToken)), "wrong_type");
  });

  t.test("the Authorization header is read strictly; verify never throws", async () => {
    const { tokens, session } = await setup({ maxTokenBytes: 1024 });
    const { token } = await tokens.issue(session);
    const withHeader = (authorization?: string) =>
      new Request("https://api.example/", authorization === undefined ? {} : { headers: { authorization } });
    rejected(await tokens.verify(withHeader()), "missing");
    rejected(await tokens.verify(withHeader("Basic YWxpY2U6cHc=")), "missing");
    rejected(await tokens.verify(withHeader("Bearer")), "malformed");
    rejected(await tokens.verify(withHeader(`Bearer ${token}, Bearer ${token}`)), "malformed");
    rejected(await tokens.verify(withHeader("Bearer a.b")), "malformed");
    rejected(await tokens.verify(withHeader(`Bearer ${"a".repeat(2000)}`)), "too_large");
    assert.equal((await tokens.verify(withHeader(`bearer  ${token}`))).ok, true);
    assert.equal((await tokens.verify(withHeader(`Bearer ${token}`).headers)).ok, true);
    for (const junk of [
      "",
      "...",
      "a.b.c",
      `${segment("x")}.${segment({})}.`,
      `${segment({ alg: "EdDSA", typ: "sealed-session+jwt", kid: 1 })}.e30.AA`,
      `${segment({ alg: "EdDSA", typ: "sealed-session+jwt", kid: 1 })}.!!.AA`,
      12 as unknown as string,
      {} as unknown as string,
    ]) {
      const result = await tokens.verify(junk);
      assert.equal(result.ok, false);
    }
  });

  t.test("claims: only listed names travel, and verify returns only those", async () => {
    const key = (await generateSigningKey()).privateJwk;
    const sessions = createSessions({ secrets: generateSecret() });
    const tokens = createTokens<{ role: string; plan: string }>({
      signingKeys: key,
      issuer: ISSUER,
      audience: AUDIENCE,
      claims: ["role"],
    });
    const session = await sessions.load(new Request("https://app.example/"));
    session.login("alice");
    const { token, claims } = await tokens.issue(session, { claims: { role: "admin" } });
    assert.equal(claims.role, "admin");
    assert.equal(decodeJwt(token).role, "admin");
    await assert.rejects(tokens.issue(session, { claims: { plan: "pro" } }), TypeError);
    const result = await tokens.verify(token);
    assert.ok(result.ok);
    assert.equal(result.claims.role, "admin");
    // A verifier that no longer lists the claim does not pass it on.
    const narrower = createTokens({ signingKeys: key, issuer: ISSUER, audience: AUDIENCE });
    const narrowed = await narrower.verify(token);
    assert.ok(narrowed.ok);
    assert.equal("role" in narrowed.claims, false);
    assert.throws(
      () => createTokens({ signingKeys: key, issuer: ISSUER, audience: AUDIENCE, claims: ["sub"] }),
      ConfigError,
    );
  });

  t.test("tokens are issued for logged-in, living sessions only", async () => {
    const { tokens, sessions } = await setup();
    const anonymous = await sessions.load(new Request("https://app.example/"));
    await assert.rejects(tokens.issue(anonymous), TypeError);
    anonymous.login("alice");
    anonymous.destroy();
    await assert.rejects(tokens.issue(anonymous), { code: "destroyed" });
  });

  t.test("rotation by kid: the first key signs, all verify, the JWKS lists every public key", async () => {
    const { session } = await setup();
    const oldKey = await generateSigningKey();
    const newKey = await generateSigningKey("ES256");
    const options = { issuer: ISSUER, audience: AUDIENCE, now: () => T0 };
    const before = createTokens({ ...options, signingKeys: oldKey.privateJwk });
    const oldToken = (await before.issue(session)).token;
    // Step 1: publish the new key second; step 2: move it first. Old tokens keep verifying throughout.
    const publishing = createTokens({ ...options, signingKeys: [oldKey.privateJwk, newKey.publicJwk] });
    assert.deepEqual(
      (await publishing.jwks()).keys.map((jwk) => jwk.kid),
      [oldKey.kid, newKey.kid],
    );
    const rotated = createTokens({
      ...options,
      signingKeys: JSON.stringify({ keys: [JSON.parse(newKey.privateJwk), oldKey.publicJwk] }),
    });
    const newToken = (await rotated.issue(session)).token;
    assert.equal(decodeProtectedHeader(newToken).kid, newKey.kid);
    assert.equal((await rotated.verify(oldToken)).ok, true);
    assert.equal((await publishing.verify(newToken)).ok, true);
    // Step 3: drop the old key once its tokens have expired.
    const after = createTokens({ ...options, signingKeys: newKey.privateJwk });
    rejected(await after.verify(oldToken), "unknown_key");
  });

  t.test(
    "configuration: one kind of key, asymmetric curves only, a private first key, no key material in messages",
    async () => {
      const key = await generateSigningKey();
      const base = { issuer: ISSUER, audience: AUDIENCE };
      const d = JSON.parse(key.privateJwk).d as string;
      const cases: unknown[] = [
        { ...base },
        { ...base, signingKeys: key.privateJwk, secrets: generateSecret() },
        { ...base, signingKeys: [key.publicJwk, key.privateJwk] },
        { ...base, signingKeys: JSON.stringify({ kty: "oct", k: d }) },
        { ...base, signingKeys: { kty: "RSA", n: "AQAB", e: "AQAB", d } },
        { ...base, signingKeys: { ...JSON.parse(key.privateJwk), alg: "ES256" } },
        { ...base, signingKeys: `${key.privateJwk.slice(0, -1)}` },
        { ...base, signingKeys: [key.privateJwk, key.privateJwk] },
        { ...base, signingKeys: key.privateJwk, ttl: 0 },
        { ...base, signingKeys: key.privateJwk, ttl: 86_401 },
        { ...base, signingKeys: key.privateJwk, clockTolerance: 61 },
        { ...base, signingKeys: key.privateJwk, type: "JWT" },
        { signingKeys: key.privateJwk, audience: AUDIENCE },
      ];
      for (const options of cases) {
        assert.throws(
          () => createTokens(options as SignedTokenOptions<Record<string, unknown>>),
          (error: unknown) => error instanceof ConfigError && !error.message.includes(d),
        );
      }
      // Public keys only: a service that verifies (and checks revocation) but cannot issue.
      const { session, tokens } = await setup({ signingKeys: key.privateJwk });
      const verifier = createTokens({ ...base, signingKeys: key.publicJwk, now: () => T0 });
      assert.equal((await verifier.verify((await tokens.issue(session)).token)).ok, true);
      await assert.rejects(verifier.issue(session), ConfigError);
      const encrypted = createTokens({ ...base, secrets: generateSecret() });
      await assert.rejects(encrypted.jwks(), ConfigError);
    },
  );
};
