import assert from "node:assert/strict";
import { decodeJwt, decodeProtectedHeader } from "jose";
import {
  ConfigError,
  createSessions,
  generateSecret,
  generateSigningKey,
  memoryRevocationStore,
  sessionTokens,
  type TokenReason,
} from "sealed-session";
import type { Suite } from "../harness.ts";

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const tokens = { issuer: "app", audience: "app-api" };
const bearer = (token: string) =>
  new Request("https://api.example/", { headers: { authorization: `Bearer ${token}` } });

function rejected(result: { ok: boolean; reason?: TokenReason }, reason: TokenReason) {
  assert.equal(result.ok, false, `expected ${reason}, got a valid token`);
  assert.equal(result.reason, reason);
}

export default (t: Suite) => {
  t.test(
    "sessions.issueToken: encrypted under the sessions' secrets by default; load never reads Authorization",
    async () => {
      const sessions = createSessions({ secrets: generateSecret(), tokens: sessionTokens(tokens) });
      const session = await sessions.load(new Request("https://app.example/"));
      session.login("alice");
      const { token } = await sessions.issueToken(session);
      assert.equal(decodeProtectedHeader(token).alg, "dir");
      const result = await sessions.verifyToken(bearer(token));
      assert.ok(result.ok);
      assert.equal(result.claims.sub, "alice");
      assert.equal(result.claims.sid, session.id);
      const viaCookieApi = await sessions.load(bearer(token));
      assert.equal(viaCookieApi.isNew, true);
      assert.equal(viaCookieApi.userId, undefined);
      assert.equal(viaCookieApi.invalidReason, undefined);
      await assert.rejects(sessions.jwks(), ConfigError);
    },
  );

  t.test("signed tokens share the sessions' clock and revocation store", async () => {
    let time = T0;
    const store = memoryRevocationStore({ now: () => time });
    const key = await generateSigningKey();
    const sessions = createSessions({
      secrets: generateSecret(),
      revocation: store,
      now: () => time,
      tokens: sessionTokens({ ...tokens, signingKeys: key.privateJwk, ttl: 60 }),
    });
    // Log in, store the cookie, and come back with it: the session a later request sees.
    const login = async () => {
      const session = await sessions.load(new Request("https://app.example/"));
      session.login("alice");
      const headers = new Headers();
      await sessions.commit(session, headers);
      const cookie = headers.getSetCookie()[0]!.split(";")[0]!;
      return sessions.load(new Request("https://app.example/", { headers: { cookie } }));
    };
    const phone = await login();
    const phoneToken = (await sessions.issueToken(phone)).token;
    assert.equal(decodeProtectedHeader(phoneToken).kid, key.kid);
    assert.deepEqual(
      (await sessions.jwks()).keys.map((jwk) => jwk.kid),
      [key.kid],
    );
    // Logout revokes the session id on commit, and with it the session's tokens.
    phone.destroy();
    await sessions.commit(phone, new Headers());
    rejected(await sessions.verifyToken(phoneToken), "revoked");

    const laptop = await login();
    const laptopToken = (await sessions.issueToken(laptop)).token;
    assert.equal((await sessions.verifyToken(laptopToken)).ok, true);
    await sessions.revokeUser("alice");
    rejected(await sessions.verifyToken(laptopToken), "revoked");
    const again = (await sessions.issueToken(await login())).token;
    assert.equal((await sessions.verifyToken(again)).ok, true);
    time += 66_000;
    rejected(await sessions.verifyToken(again), "expired");
  });

  t.test(
    "log out everywhere splits a second at the ms: a token of a login at the cutoff is revoked, one just after is not",
    async () => {
      // Everything inside one second, so whole-second auth_time alone could not tell them apart.
      let time = T0 + 400;
      const store = memoryRevocationStore({ now: () => time });
      const sessions = createSessions({
        secrets: generateSecret(),
        revocation: store,
        now: () => time,
        tokens: sessionTokens({ ...tokens, signingKeys: (await generateSigningKey()).privateJwk }),
      });
      const login = async () => {
        const session = await sessions.load(new Request("https://app.example/"));
        session.login("alice");
        return (await sessions.issueToken(session)).token;
      };
      const before = await login();
      time += 300;
      const atCutoff = await login();
      await sessions.revokeUser("alice"); // cutoff: this very ms
      const after = await login(); // same clock reading, issued after the cutoff
      time += 299;
      const later = await login();
      for (const token of [before, atCutoff, after, later]) {
        const claims = decodeJwt(token);
        assert.equal(claims.auth_time, T0 / 1000);
        assert.equal(claims.iat, T0 / 1000);
      }
      rejected(await sessions.verifyToken(before), "revoked");
      rejected(await sessions.verifyToken(atCutoff), "revoked");
      assert.equal((await sessions.verifyToken(after)).ok, true);
      assert.equal((await sessions.verifyToken(later)).ok, true);
    },
  );

  t.test(
    "without the tokens option the token methods say what is missing; a bad one fails at start-up",
    async () => {
      const sessions = createSessions({ secrets: generateSecret() });
      const session = await sessions.load(new Request("https://app.example/"));
      session.login("alice");
      await assert.rejects(sessions.issueToken(session), ConfigError);
      await assert.rejects(sessions.verifyToken(bearer("x.y.z")), ConfigError);
      assert.throws(
        () =>
          createSessions({
            secrets: generateSecret(),
            tokens: sessionTokens({ ...tokens, signingKeys: '{"kty":"oct"}' }),
          }),
        ConfigError,
      );
      assert.throws(
        () => createSessions({ secrets: generateSecret(), tokens: sessionTokens({ ...tokens, ttl: 0 }) }),
        ConfigError,
      );
      // Plain options instead of sessionTokens({...}): told how to fix it.
      const plain = {
        secrets: generateSecret(),
        tokens: tokens as unknown as ReturnType<typeof sessionTokens>,
      };
      assert.throws(() => createSessions(plain), /sessionTokens/);
    },
  );
};
