// Refresh tokens (issue 17) on every runtime: the families kit on the memory registry, what the
// `refresh` option refuses at start-up, and the best-effort mode a revocation store alone allows.
import assert from "node:assert/strict";
import {
  ConfigError,
  createSessions,
  generateSecret,
  memoryRevocationStore,
  type RefreshResult,
  sessionTokens,
} from "sealed-session";
import { memoryRegistry } from "sealed-session/registry";
import type { Suite } from "../harness.ts";
import { managerRefresh } from "../kit/refresh.ts";

const tokens = { issuer: "app", audience: "app-api" };

function ok<T extends RefreshResult<object>>(result: T): Extract<T, { ok: true }> {
  assert.equal(result.ok, true, result.ok ? "" : result.reason);
  return result as Extract<T, { ok: true }>;
}

export default (t: Suite) => {
  managerRefresh(t, () => memoryRegistry(), "memory registry");

  t.test(
    "refresh tokens on a revocation store alone (Workers KV) are a ConfigError without bestEffort",
    () => {
      const secrets = generateSecret();
      const kvOnly = () =>
        createSessions({
          secrets,
          revocation: memoryRevocationStore(),
          tokens: sessionTokens({ ...tokens, refresh: true }),
        });
      assert.throws(kvOnly, (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /need a `registry`/);
        assert.match(error.message, /bestEffort: true/);
        return true;
      });
      assert.throws(
        () =>
          createSessions({ secrets, tokens: sessionTokens({ ...tokens, refresh: { bestEffort: true } }) }),
        /need state to be one-time/,
        "no state at all: refused even with the opt-in",
      );
      const { advance: _, ...withoutAdvance } = memoryRegistry();
      assert.throws(
        () =>
          createSessions({
            secrets,
            registry: withoutAdvance as never,
            tokens: sessionTokens({ ...tokens, refresh: true }),
          }),
        /backend with `advance`/,
      );
      for (const refresh of [{ reuseInterval: 11 }, { reuseInterval: 1.5 }, { maxAge: 0 }, { label: "" }]) {
        assert.throws(
          () =>
            createSessions({
              secrets,
              registry: memoryRegistry(),
              tokens: sessionTokens({ ...tokens, refresh }),
            }),
          ConfigError,
          JSON.stringify(refresh),
        );
      }
      assert.throws(
        () =>
          createSessions({
            secrets,
            revocation: memoryRevocationStore(),
            tokens: sessionTokens({ ...tokens, refresh: { bestEffort: true, reuseInterval: 5 } }),
          }),
        /reuseInterval` needs a `registry`/,
      );
    },
  );

  t.test(
    "with a registry and a revocation store, access tokens are checked against the registry: ending a device ends its tokens",
    async () => {
      const sessions = createSessions({
        secrets: generateSecret(),
        registry: memoryRegistry(),
        revocation: memoryRevocationStore(),
        tokens: sessionTokens(tokens),
      });
      const login = async () => {
        const session = await sessions.load(new Request("https://app.example/"));
        session.login("ada");
        const headers = new Headers();
        await sessions.commit(session, headers);
        const cookie = headers.getSetCookie()[0]!.split(";")[0]!;
        return sessions.load(new Request("https://app.example/", { headers: { cookie } }));
      };
      const [laptop, phone] = [await login(), await login()];
      const phoneToken = (await sessions.issueToken(phone)).token;
      assert.ok((await sessions.verifyToken(phoneToken)).ok);
      assert.equal(await sessions.endOtherSessions(laptop), 1);
      const verified = await sessions.verifyToken(phoneToken);
      assert.equal(verified.ok === false && verified.reason, "revoked");
    },
  );

  t.test(
    "without the refresh option, refresh calls are a ConfigError that says how to turn them on",
    async () => {
      const sessions = createSessions({
        secrets: generateSecret(),
        registry: memoryRegistry(),
        tokens: sessionTokens(tokens),
      });
      await assert.rejects(sessions.create("ada"), /sessionTokens\(\{ \.\.\., refresh: true \}\)/);
      await assert.rejects(sessions.refresh("x"), ConfigError);
      const bare = createSessions({ secrets: generateSecret() });
      await assert.rejects(bare.create("ada"), /needs the `tokens` option/);
    },
  );

  t.test("a claim the app did not list throws before anything is registered or spent", async () => {
    const sessions = createSessions({
      secrets: generateSecret(),
      registry: memoryRegistry(),
      tokens: sessionTokens({ ...tokens, claims: ["role"], refresh: true }),
    });
    await assert.rejects(
      sessions.create("ada", { claims: { admin: true } }),
      /not listed in the `claims` option/,
    );
    assert.deepEqual(await sessions.listSessions("ada"), [], "no family was registered");
    const pair = await sessions.create("ada", { claims: { role: "editor" } });
    await assert.rejects(
      sessions.refresh(pair.refreshToken, { claims: () => ({ admin: true }) }),
      /not listed in the `claims` option/,
    );
    const next = ok(await sessions.refresh(pair.refreshToken, { claims: (userId) => ({ role: userId }) }));
    const verified = await sessions.verifyToken(next.token);
    assert.ok(verified.ok);
    assert.equal(verified.claims.role, "ada", "the token was not spent by the refusal");
  });

  t.test(
    "bestEffort on a revocation store alone: rotation, sequential reuse ends the family, log out everywhere",
    async () => {
      const revocation = memoryRevocationStore();
      const sessions = createSessions({
        secrets: generateSecret(),
        revocation,
        tokens: sessionTokens({ ...tokens, refresh: { bestEffort: true } }),
      });
      const first = await sessions.create("ada");
      const second = ok(await sessions.refresh(first.refreshToken));
      const third = ok(await sessions.refresh(second.refreshToken));
      assert.ok((await sessions.verifyToken(third.token)).ok);
      const reused = await sessions.refresh(first.refreshToken);
      assert.equal(reused.ok === false && reused.reason, "refresh_reused");
      const after = await sessions.refresh(third.refreshToken);
      assert.equal(after.ok === false && after.reason, "revoked");
      const verified = await sessions.verifyToken(third.token);
      assert.equal(verified.ok === false && verified.reason, "revoked");

      const bobs = await sessions.create("bob");
      await sessions.revokeUser("bob");
      const gone = await sessions.refresh(bobs.refreshToken);
      assert.equal(gone.ok === false && gone.reason, "revoked");
      const fresh = await sessions.create("bob");
      assert.ok((await sessions.refresh(fresh.refreshToken)).ok, "a family started after it survives");
      assert.equal(await sessions.revokeRefreshToken(fresh.refreshToken), true);
    },
  );
};
