/**
 * Conformance kit, refresh-token families through the session manager, on any registry backend:
 * families as registry sessions, rotation, reuse detection (and what it ends), the optional
 * interval, expiry, logout and "log out everywhere", parallel exchanges, typed refusals, and a
 * registry that fails. `managerRefresh(t, factory, label)`; memory runs in test/cases/refresh.cases.ts,
 * the Durable Object in test/workers/refresh.test.ts.
 */
import assert from "node:assert/strict";
import {
  createSessions,
  generateSecret,
  generateSigningKey,
  memoryRevocationStore,
  type RefreshOptions,
  type RefreshReason,
  type RefreshResult,
  RegistryUnavailableError,
  type Session,
  type Sessions,
  type SessionsOptions,
  sessionTokens,
  type TokenReason,
} from "sealed-session";
import type { RegistryStore } from "sealed-session/registry";
import type { Suite } from "../harness.ts";
import { clock, Jar, tamper } from "../support/http.ts";
import { counting, faulty } from "./proxies.ts";
import type { RegistryFactory } from "./registry.ts";

const secrets = generateSecret();
const AUDIENCE = { issuer: "app", audience: "app-api" };
const CHROME =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";
const unique = () => crypto.randomUUID();

type Manager = Sessions<Record<string, unknown>, Record<string, unknown>>;
type Time = ReturnType<typeof clock>;

interface Setup {
  readonly refresh?: RefreshOptions;
  readonly time?: Time;
  readonly signingKeys?: string;
  readonly extra?: Partial<SessionsOptions>;
}

function manager(store: RegistryStore, setup: Setup = {}): Manager {
  return createSessions({
    secrets,
    maxAge: 3600,
    now: setup.time?.now,
    registry: { store, timeout: 60_000 },
    tokens: sessionTokens({ ...AUDIENCE, signingKeys: setup.signingKeys, refresh: setup.refresh ?? true }),
    ...setup.extra,
  }) as Manager;
}

/** One browser: its cookies. */
class Browser {
  readonly jar = new Jar();
  request(): Request {
    const request = this.jar.request();
    request.headers.set("user-agent", CHROME);
    return request;
  }
  async visit(sessions: Manager, act?: (session: Session) => unknown) {
    const session = await sessions.load(this.request());
    const value = await act?.(session);
    const headers = new Headers();
    await sessions.commit(session, headers);
    this.jar.apply(headers);
    return { session, value };
  }
}

async function loggedIn(sessions: Manager, user: string): Promise<Browser> {
  const browser = new Browser();
  await browser.visit(sessions, (s) => s.login(user));
  return browser;
}

/** A family issued from a logged-in browser on a later request (its login is registered by then). */
async function issued(sessions: Manager, browser: Browser, label = "CLI") {
  const { value } = await browser.visit(sessions, (s) => sessions.issueToken(s, { refresh: true, label }));
  return value as Awaited<ReturnType<Manager["create"]>>;
}

function ok<T extends RefreshResult<object>>(result: T): Extract<T, { ok: true }> {
  assert.equal(result.ok, true, `expected a new pair, got ${result.ok ? "" : result.reason}`);
  return result as Extract<T, { ok: true }>;
}

function refused(result: RefreshResult<object>, reason: RefreshReason) {
  assert.equal(result.ok, false, `expected ${reason}, got a new pair`);
  assert.equal(result.ok === false && result.reason, reason);
}

async function tokenRefused(sessions: Manager, token: string, reason: TokenReason) {
  const result = await sessions.verifyToken(token);
  assert.equal(result.ok, false, `expected ${reason}, got a valid access token`);
  assert.equal(result.ok === false && result.reason, reason);
}

export function managerRefresh(t: Suite, makeStore: RegistryFactory, label: string): void {
  t.test(
    `${label}: issueToken(session, { refresh: true }) starts a family: a device of its own, keeping the login's authAt`,
    async () => {
      const time = clock(Date.now());
      const sessions = manager(await makeStore(), { time });
      const user = `ada-${unique()}`;
      const browser = await loggedIn(sessions, user);
      const loginAt = time.now();
      time.advance(120);
      const pair = await issued(sessions, browser, "Ada's CLI");
      const verified = await sessions.verifyToken(pair.token);
      assert.ok(verified.ok);
      const { session } = await browser.visit(sessions);
      assert.notEqual(
        verified.claims.sid,
        session.id,
        "access tokens name the family, not the cookie session",
      );
      assert.equal(verified.claims.sub, user);
      assert.equal(
        verified.claims.auth_ms,
        loginAt,
        "the family keeps the authentication time of its session",
      );
      assert.equal(pair.refreshExpiresAt, Math.floor((loginAt + 3600_000) / 1000), "bounded from the login");
      assert.ok(pair.expiresAt <= pair.refreshExpiresAt);
      const listed = await sessions.listSessions(session);
      assert.deepEqual(
        listed.map((s) => [s.label, s.kind, s.current]),
        [
          ["Ada's CLI", "refresh", false],
          ["Chrome on Linux", "cookie", true],
        ],
      );
      // Opaque: a compact JWE whose payload nobody without the secrets can read.
      assert.equal(pair.refreshToken.split(".").length, 5);
      assert.ok(!pair.refreshToken.includes(btoa(user).slice(0, 8)));
      assert.ok(pair.refreshToken.length < 400, `refresh token is ${pair.refreshToken.length} characters`);
    },
  );

  t.test(`${label}: create(userId) starts a family for a client that never had a cookie`, async () => {
    const sessions = manager(await makeStore(), { refresh: { label: "Mobile app" } });
    const user = `bob-${unique()}`;
    const pair = await sessions.create(user);
    const verified = await sessions.verifyToken(pair.token);
    assert.ok(verified.ok);
    assert.equal(verified.claims.sub, user);
    const listed = await sessions.listSessions(user);
    assert.deepEqual(
      listed.map((s) => [s.label, s.kind]),
      [["Mobile app", "refresh"]],
    );
    const labelled = await sessions.create(user, { label: "CLI\u0000 on a laptop" });
    assert.ok((await sessions.verifyToken(labelled.token)).ok);
    assert.equal((await sessions.listSessions(user))[0]?.label, "CLI  on a laptop");
    await assert.rejects(sessions.create(""), TypeError);
  });

  t.test(`${label}: every exchange rotates: 20 in a row, each spending the token it was given`, async () => {
    const time = clock(Date.now());
    const sessions = manager(await makeStore(), { time });
    const user = `cli-${unique()}`;
    let pair = await sessions.create(user, { label: "CLI" });
    const family = (await sessions.verifyToken(pair.token)).ok ? pair : undefined;
    assert.ok(family);
    const seen = new Set([pair.refreshToken]);
    for (let i = 0; i < 20; i++) {
      time.advance(30);
      const next = ok(await sessions.refresh(pair.refreshToken));
      assert.ok(!seen.has(next.refreshToken), "a new refresh token every time");
      seen.add(next.refreshToken);
      const verified = await sessions.verifyToken(next.token);
      assert.ok(verified.ok);
      assert.equal(verified.claims.sub, user);
      pair = next;
    }
    assert.equal((await sessions.listSessions(user)).length, 1, "still one device");
  });

  t.test(
    `${label}: reuse ends the family — tokens issued after the reused one too — and the session it came from`,
    async () => {
      const sessions = manager(await makeStore());
      const user = `eve-${unique()}`;
      const browser = await loggedIn(sessions, user);
      const other = await loggedIn(sessions, user);
      const first = await issued(sessions, browser);
      const second = ok(await sessions.refresh(first.refreshToken));
      const third = ok(await sessions.refresh(second.refreshToken));
      refused(await sessions.refresh(first.refreshToken), "refresh_reused");
      refused(await sessions.refresh(third.refreshToken), "revoked");
      await tokenRefused(sessions, third.token, "revoked");
      await tokenRefused(sessions, first.token, "revoked");
      assert.equal((await browser.visit(sessions)).session.invalidReason, "revoked", "its parent session");
      assert.equal((await other.visit(sessions)).session.userId, user, "the user's other sessions stay");
      refused(await sessions.refresh(first.refreshToken), "revoked");

      const lenient = manager(await makeStore(), { refresh: { reuseEndsParent: false } });
      const keeper = await loggedIn(lenient, user);
      const pair = await issued(lenient, keeper);
      ok(await lenient.refresh(pair.refreshToken));
      refused(await lenient.refresh(pair.refreshToken), "refresh_reused");
      assert.equal((await keeper.visit(lenient)).session.userId, user, "reuseEndsParent: false");
    },
  );

  t.test(`${label}: login() and regenerate() on the parent keep the family; its logout ends it`, async () => {
    const sessions = manager(await makeStore());
    const user = `ada-${unique()}`;
    const browser = await loggedIn(sessions, user);
    let pair = await issued(sessions, browser);
    await browser.visit(sessions, (s) => s.regenerate({ keep: true }));
    pair = ok(await sessions.refresh(pair.refreshToken));
    await browser.visit(sessions, (s) => s.login(user));
    pair = ok(await sessions.refresh(pair.refreshToken));
    assert.ok((await sessions.verifyToken(pair.token)).ok);

    const other = await loggedIn(sessions, `bob-${unique()}`);
    const bobs = await issued(sessions, other);
    await other.visit(sessions, (s) => s.destroy());
    refused(await sessions.refresh(bobs.refreshToken), "revoked");
    await tokenRefused(sessions, bobs.token, "revoked");
    assert.ok((await sessions.refresh(pair.refreshToken)).ok, "another user's logout ends nothing of ada's");
  });

  t.test(
    `${label}: "log out other devices" and "log out everywhere" end families, with a revocation store beside too`,
    async () => {
      const store = await makeStore();
      // The demo's configuration: a registry and a revocation store. Tokens are checked against the registry.
      const sessions = manager(store, { extra: { revocation: memoryRevocationStore() } });
      const user = `ada-${unique()}`;
      const browser = await loggedIn(sessions, user);
      const fromBrowser = await issued(sessions, browser);
      const lone = await sessions.create(user);
      const { session } = await browser.visit(sessions);
      assert.equal(await sessions.endOtherSessions(session), 2);
      for (const pair of [fromBrowser, lone]) {
        refused(await sessions.refresh(pair.refreshToken), "revoked");
        await tokenRefused(sessions, pair.token, "revoked");
      }
      assert.equal((await browser.visit(sessions)).session.userId, user);
      const again = await sessions.create(user);
      await sessions.revokeUser(user);
      refused(await sessions.refresh(again.refreshToken), "revoked");
      await tokenRefused(sessions, again.token, "revoked");
      assert.equal((await browser.visit(sessions)).session.invalidReason, "revoked");
      const after = await sessions.create(user);
      assert.ok((await sessions.refresh(after.refreshToken)).ok, "a family started after it survives");
      // Ending the family by handle from the device list.
      const handle = (await sessions.listSessions(user))[0]!.id;
      const current = ok(await sessions.refresh((await sessions.create(user)).refreshToken));
      assert.equal(await sessions.endSession(user, handle), true);
      assert.equal((await sessions.listSessions(user)).length, 1);
      assert.ok((await sessions.verifyToken(current.token)).ok, "only the family ended");
    },
  );

  t.test(
    `${label}: a family ends at refresh.maxAge after the login; its access tokens never outlive it`,
    async () => {
      const time = clock(Date.now());
      const sessions = manager(await makeStore(), { time, refresh: { maxAge: 600 } });
      const pair = await sessions.create(`ada-${unique()}`);
      assert.equal(pair.refreshExpiresAt, Math.floor(time.now() / 1000) + 600);
      time.advance(590);
      const late = ok(await sessions.refresh(pair.refreshToken));
      assert.ok(late.expiresAt <= late.refreshExpiresAt, "the access token stops with the family");
      time.advance(20);
      refused(await sessions.refresh(late.refreshToken), "expired");
      await tokenRefused(sessions, late.token, "expired");
    },
  );

  t.test(
    `${label}: 10 parallel exchanges of one refresh token: at most one new pair, then the family is over`,
    async () => {
      const sessions = manager(await makeStore());
      const pair = await sessions.create(`ada-${unique()}`);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => sessions.refresh(pair.refreshToken)),
      );
      const winners = results.filter((result) => result.ok);
      assert.equal(winners.length, 1, "at most one new pair");
      for (const result of results) {
        if (!result.ok) assert.ok(["refresh_reused", "revoked"].includes(result.reason), result.reason);
      }
      assert.ok(results.some((result) => !result.ok && result.reason === "refresh_reused"));
      // The race was a reuse: even the winner's pair is over.
      refused(await sessions.refresh(ok(winners[0]!).refreshToken), "revoked");
      await tokenRefused(sessions, ok(winners[0]!).token, "revoked");
    },
  );

  t.test(
    `${label}: reuseInterval: a lost response retried within it gets the same generation; a second use is still caught`,
    async () => {
      const time = clock(Date.now());
      const sessions = manager(await makeStore(), { time, refresh: { reuseInterval: 10 } });
      const start = await sessions.create(`ada-${unique()}`);
      const lost = ok(await sessions.refresh(start.refreshToken));
      time.advance(3);
      const retried = ok(await sessions.refresh(start.refreshToken));
      assert.notEqual(
        retried.refreshToken,
        lost.refreshToken,
        "a new token, no stored secret handed out again",
      );
      assert.ok((await sessions.verifyToken(retried.token)).ok);
      // The retry's token moves the family on; the lost one is then a spent generation.
      const next = ok(await sessions.refresh(retried.refreshToken));
      time.advance(11);
      refused(await sessions.refresh(lost.refreshToken), "refresh_reused");
      refused(await sessions.refresh(next.refreshToken), "revoked");
      // Past the interval there is no grace at all.
      const other = await sessions.create(`bob-${unique()}`);
      ok(await sessions.refresh(other.refreshToken));
      time.advance(11);
      refused(await sessions.refresh(other.refreshToken), "refresh_reused");
    },
  );

  t.test(
    `${label}: tampered, foreign-audience, foreign-secret or garbled refresh tokens are refused, typed`,
    async () => {
      const store = await makeStore();
      const sessions = manager(store);
      const pair = await sessions.create(`ada-${unique()}`);
      refused(await sessions.refresh(tamper(pair.refreshToken)), "bad_seal");
      const otherApi = createSessions({
        secrets,
        registry: store,
        tokens: sessionTokens({ issuer: "app", audience: "other-api", refresh: true }),
      });
      refused(await otherApi.refresh(pair.refreshToken), "bad_seal");
      const otherSecrets = createSessions({
        secrets: generateSecret(),
        registry: store,
        tokens: sessionTokens({ ...AUDIENCE, refresh: true }),
      });
      refused(await otherSecrets.refresh(pair.refreshToken), "unknown_key");
      refused(await sessions.refresh("not a token"), "malformed");
      refused(await sessions.refresh(undefined), "missing");
      refused(await sessions.refresh(""), "missing");
      refused(await sessions.refresh(`${pair.refreshToken}${"A".repeat(5000)}`), "too_large");
      // None of that spent anything.
      assert.ok((await sessions.refresh(pair.refreshToken)).ok);
    },
  );

  t.test(
    `${label}: a refresh token is neither an access token nor a cookie, and neither of them is a refresh token`,
    async () => {
      const store = await makeStore();
      const key = await generateSigningKey();
      for (const signingKeys of [undefined, key.privateJwk]) {
        const sessions = manager(store, { signingKeys });
        const browser = await loggedIn(sessions, `ada-${unique()}`);
        const pair = await issued(sessions, browser);
        await tokenRefused(sessions, pair.refreshToken, "wrong_type");
        refused(await sessions.refresh(pair.token), "wrong_type");
        const cookie = browser.jar.get(sessions.cookieName)!;
        refused(await sessions.refresh(cookie), "bad_seal");
        const asCookie = await sessions.load(
          new Request("https://app.example/", {
            headers: { cookie: `${sessions.cookieName}=${pair.refreshToken}` },
          }),
        );
        assert.equal(asCookie.userId, undefined);
        assert.equal(asCookie.invalidReason, "bad_seal");
        assert.ok((await sessions.refresh(pair.refreshToken)).ok, "still unspent");
      }
    },
  );

  t.test(
    `${label}: a registry that fails or hangs: exchanges are refused as revocation_unavailable, nothing is spent`,
    async () => {
      const real = await makeStore();
      const fault = faulty(real, "registry down");
      const events: string[] = [];
      for (const onStoreError of ["closed", "open"] as const) {
        const sessions = createSessions({
          secrets,
          registry: {
            store: fault.store,
            timeout: 50,
            onStoreError: (event) => {
              events.push(`${event.operation}:${event.kind}`);
              return onStoreError;
            },
          },
          tokens: sessionTokens({ ...AUDIENCE, refresh: true }),
        });
        // The same sessions without the short deadline, for the steps where the registry works: a
        // real backend on a loaded machine may take longer than 50 ms, and that is not what this tests.
        const patient = createSessions({
          secrets,
          registry: { store: fault.store },
          tokens: sessionTokens({ ...AUDIENCE, refresh: true }),
        });
        fault.mode = "ok";
        const pair = await patient.create(`ada-${unique()}`);
        for (const failure of ["throw", "hang"] as const) {
          fault.mode = failure;
          refused(await sessions.refresh(pair.refreshToken), "revocation_unavailable");
          await assert.rejects(sessions.create(`bob-${unique()}`), RegistryUnavailableError);
        }
        fault.mode = "ok";
        assert.ok((await patient.refresh(pair.refreshToken)).ok, "the outage spent nothing");
      }
      assert.deepEqual(events.slice(0, 4), [
        "advance:error",
        "register:error",
        "advance:timeout",
        "register:timeout",
      ]);
    },
  );

  t.test(
    `${label}: counted calls: one register to start, one advance per exchange, one check per verification`,
    async () => {
      const counted = counting(await makeStore());
      const sessions = manager(counted.store);
      const pair = await sessions.create(`ada-${unique()}`);
      assert.deepEqual(counted.calls, { register: 1 });
      counted.reset();
      const next = ok(await sessions.refresh(pair.refreshToken));
      assert.deepEqual(counted.calls, { advance: 1 });
      counted.reset();
      assert.ok((await sessions.verifyToken(next.token)).ok);
      assert.deepEqual(counted.calls, { check: 1 });
      counted.reset();
      refused(await sessions.refresh("garbage"), "malformed");
      assert.deepEqual(counted.calls, {}, "a token that does not open costs no registry call");
      assert.equal(await sessions.revokeRefreshToken(next.refreshToken), true);
      assert.deepEqual(counted.calls, { remove: 1 });
    },
  );

  t.test(`${label}: revokeRefreshToken ends the family: the client's logout`, async () => {
    const sessions = manager(await makeStore());
    const user = `ada-${unique()}`;
    const pair = await sessions.create(user);
    const next = ok(await sessions.refresh(pair.refreshToken));
    assert.equal(await sessions.revokeRefreshToken(next.refreshToken), true);
    refused(await sessions.refresh(next.refreshToken), "revoked");
    await tokenRefused(sessions, next.token, "revoked");
    assert.deepEqual(await sessions.listSessions(user), []);
    assert.equal(await sessions.revokeRefreshToken(next.refreshToken), false);
    assert.equal(await sessions.revokeRefreshToken("garbage"), false);
  });

  t.test(
    `${label}: refresh tokens come only from a logged-in session whose login is registered`,
    async () => {
      const sessions = manager(await makeStore());
      const browser = new Browser();
      await assert.rejects(
        browser.visit(sessions, (s) => sessions.issueToken(s, { refresh: true })),
        TypeError,
        "anonymous",
      );
      await assert.rejects(
        browser.visit(sessions, (s) => {
          s.login(`ada-${unique()}`);
          return sessions.issueToken(s, { refresh: true });
        }),
        /not registered yet/,
      );
    },
  );
}
