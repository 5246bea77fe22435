import assert from "node:assert/strict";
import { createSessions, generateSecret, seal, UnsealError, unseal } from "sealed-session";
import type { Suite } from "../harness.ts";
import { clock, Jar, type SetCookie, visit } from "../support/http.ts";

const secrets = generateSecret();
const DAY = 86_400;

const maxAgeOf = (written: readonly SetCookie[]) => written[0]?.attributes.get("max-age");

/** A jar holding one fresh session created at the clock's current time. */
async function started(options: Parameters<typeof createSessions>[0] & { now: () => number }) {
  const sessions = createSessions<{ n: number }>(options);
  const jar = new Jar();
  const first = await visit(sessions, jar, (session) => {
    session.data.n = 1;
  });
  return { sessions, jar, first };
}

export default (t: Suite) => {
  t.test("expiry is read from inside the seal: a replayed cookie past maxAge is expired", async () => {
    for (const format of ["jwe", "iron"] as const) {
      const time = clock();
      const { sessions, jar, first } = await started({ secrets, format, maxAge: 60, now: time.now });
      assert.equal(first.session.expiresAt, time.time + 60_000);
      time.advance(10 * 60); // the jar ignores Max-Age, as a replaying client would
      const { session, written } = await visit(sessions, jar);
      assert.equal(session.isNew, true);
      assert.equal(session.invalidReason, "expired", format);
      assert.equal(written[0]?.value, "", "the expired cookie is cleared");
    }
  });

  t.test("lowering maxAge later shortens sessions already issued", async () => {
    const time = clock();
    const { jar } = await started({ secrets, maxAge: 3600, now: time.now });
    const stricter = createSessions({ secrets, maxAge: 60, now: time.now });
    assert.equal((await stricter.load(jar.request())).isNew, false);
    time.advance(66);
    assert.equal((await stricter.load(jar.request())).invalidReason, "expired");
  });

  t.test("clock tolerance defaults to 5 s: +4 s past expiry accepted, +6 s rejected", async () => {
    const time = clock();
    const { sessions, jar } = await started({ secrets, maxAge: 60, now: time.now });
    const token = jar.header;
    time.advance(64);
    const late = await sessions.load(new Request("https://example.com/", { headers: { cookie: token } }));
    assert.equal(late.isNew, false);
    time.advance(2);
    const later = await sessions.load(new Request("https://example.com/", { headers: { cookie: token } }));
    assert.equal(later.invalidReason, "expired");
  });

  t.test("clockTolerance: 0 rejects a second past expiry", async () => {
    const time = clock();
    const { sessions, jar } = await started({ secrets, maxAge: 60, clockTolerance: 0, now: time.now });
    time.advance(60);
    assert.equal((await sessions.load(jar.request())).isNew, false);
    time.advance(1);
    assert.equal((await sessions.load(jar.request())).invalidReason, "expired");
  });

  t.test("low-level ttl expires with the same tolerance", async () => {
    for (const format of ["jwe", "iron"] as const) {
      const time = clock();
      const token = await seal({ a: 1 }, { secrets, format, ttl: 60, now: time.now });
      time.advance(64);
      assert.deepEqual(await unseal(token, { secrets, now: time.now }), { a: 1 });
      time.advance(2);
      await assert.rejects(
        unseal(token, { secrets, now: time.now }),
        (error: unknown) => error instanceof UnsealError && error.code === "expired",
      );
    }
  });

  t.test("idleTimeout: a session left alone longer than it is idle", async () => {
    const time = clock();
    const { sessions, jar } = await started({ secrets, idleTimeout: 30, now: time.now });
    time.advance(20);
    const alive = await visit(sessions, jar);
    assert.equal(alive.session.isNew, false);
    time.advance(40);
    const { session } = await visit(sessions, jar);
    assert.equal(session.invalidReason, "idle");
  });

  t.test("requests keep an idle session alive, but never past its absolute expiry", async () => {
    const time = clock();
    const { sessions, jar, first } = await started({ secrets, maxAge: 100, idleTimeout: 40, now: time.now });
    for (let i = 0; i < 3; i++) {
      time.advance(30);
      const { session } = await visit(sessions, jar);
      assert.equal(session.isNew, false, `visit ${i}`);
      assert.equal(session.expiresAt, first.session.expiresAt);
    }
    time.advance(16); // 106 s: inside the idle window, past the absolute expiry and its tolerance
    assert.equal((await visit(sessions, jar)).session.invalidReason, "expired");
  });

  t.test(
    "refresh throttle: no re-seal before refreshAfter, a re-seal after; expiry never moves",
    async () => {
      const time = clock();
      const { sessions, jar, first } = await started({ secrets, idleTimeout: 100, now: time.now });
      time.advance(5); // default refreshAfter is idleTimeout / 10 = 10 s
      const early = await visit(sessions, jar);
      assert.deepEqual(early.written, []);
      time.advance(6);
      const due = await visit(sessions, jar);
      assert.equal(due.written.length, 1);
      const after = await visit(sessions, jar);
      assert.equal(after.session.expiresAt, first.session.expiresAt);
      assert.ok((after.session.idleExpiresAt ?? 0) > (first.session.idleExpiresAt ?? 0));
      assert.deepEqual(after.written, [], "just refreshed: nothing to write");
    },
  );

  t.test("refreshAfter can be set below idleTimeout", async () => {
    const time = clock();
    const { sessions, jar } = await started({ secrets, idleTimeout: 100, refreshAfter: 50, now: time.now });
    time.advance(40);
    assert.deepEqual((await visit(sessions, jar)).written, []);
    time.advance(11);
    assert.equal((await visit(sessions, jar)).written.length, 1);
  });

  t.test("without idleTimeout an unchanged session is never re-sealed", async () => {
    const time = clock();
    const { sessions, jar } = await started({ secrets, maxAge: 30 * DAY, now: time.now });
    time.advance(20 * DAY);
    const { session, written } = await visit(sessions, jar);
    assert.equal(session.isNew, false);
    assert.deepEqual(written, []);
  });

  t.test("idleTimeout longer than maxAge is clamped to it", async () => {
    const time = clock();
    const { first } = await started({ secrets, maxAge: 60, idleTimeout: 600, now: time.now });
    assert.equal(first.session.idleExpiresAt, first.session.expiresAt);
    assert.equal(maxAgeOf(first.written), "59");
  });

  t.test("Max-Age is the remaining lifetime minus a margin, at least 1, at most 400 days", async () => {
    const time = clock();
    const { sessions, jar, first } = await started({ secrets, maxAge: 3600, now: time.now });
    assert.equal(maxAgeOf(first.written), "3599");
    time.advance(100);
    const changed = await visit(sessions, jar, (session) => {
      session.data.n = 2;
    });
    assert.equal(maxAgeOf(changed.written), "3499");
    time.advance(3500 - 0.5);
    const last = await visit(sessions, jar, (session) => {
      session.data.n = 3;
    });
    assert.equal(last.session.isNew, false);
    assert.equal(maxAgeOf(last.written), "1");

    const long = await started({ secrets, maxAge: 400 * DAY, now: clock().now });
    assert.equal(maxAgeOf(long.first.written), String(400 * DAY - 1));
    assert.ok(Number(maxAgeOf(long.first.written)) <= 400 * DAY);
  });

  t.test("with idleTimeout, Max-Age follows the idle deadline", async () => {
    const time = clock();
    const { first } = await started({ secrets, maxAge: 3600, idleTimeout: 600, now: time.now });
    assert.equal(maxAgeOf(first.written), "599");
  });

  t.test("login({ maxAge }) shortens this session only; persistent: false drops Max-Age", async () => {
    const time = clock();
    const sessions = createSessions<{ n: number }>({ secrets, maxAge: 30 * DAY, now: time.now });
    const jar = new Jar();
    const short = await visit(sessions, jar, (session) => session.login("ada", { maxAge: 600 }));
    assert.equal(maxAgeOf(short.written), "599");
    assert.equal(short.session.expiresAt, time.time + 600_000);
    time.advance(606);
    assert.equal((await visit(sessions, jar)).session.invalidReason, "expired");

    const browser = await visit(sessions, new Jar(), (session) =>
      session.login("bob", { persistent: false }),
    );
    assert.equal(browser.written.length, 1);
    assert.equal(browser.written[0]?.attributes.has("max-age"), false);
    assert.equal(browser.written[0]?.attributes.has("expires"), false);
    assert.equal(browser.session.persistent, false);
  });

  t.test("login({ maxAge }) longer than the manager's maxAge is refused", async () => {
    const sessions = createSessions({ secrets, maxAge: 600 });
    const session = await sessions.load(new Request("https://example.com/"));
    assert.throws(() => session.login("ada", { maxAge: 601 }), { code: "invalid_config" });
  });

  t.test("persistent: false makes browser-session cookies that still expire inside the seal", async () => {
    const time = clock();
    const { sessions, jar, first } = await started({ secrets, maxAge: 60, persistent: false, now: time.now });
    assert.equal(first.written[0]?.attributes.has("max-age"), false);
    assert.equal(first.session.persistent, false);
    time.advance(70);
    assert.equal((await visit(sessions, jar)).session.invalidReason, "expired");
  });
};
