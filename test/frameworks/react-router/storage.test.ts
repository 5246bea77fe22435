// sealed-session/react-router in-process, as an app gets it (dist/, through the package's exports),
// next to React Router's own sessions and context: the Session API means what React Router's means
// (run side by side with createCookieSessionStorage), commitSession returns at most one Set-Cookie
// and says clearly when a session cannot fit one, the store takes what a cookie cannot hold, and the
// middleware loads and commits once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createCookieSessionStorage,
  createSession,
  isSession,
  RouterContextProvider,
  type SessionStorage,
} from "react-router";
import {
  ConfigError,
  CookieTooLargeError,
  generateSecret,
  memoryRevocationStore,
  type RevocationStore,
  SessionError,
  SessionReadOnlyError,
} from "sealed-session";
import {
  createSealedSessionStorage,
  createSessionMiddleware,
  type SealedSessionStorage,
  SingleCookieError,
} from "sealed-session/react-router";
import { memoryStore } from "sealed-session/store";
import { isClearing, parseSetCookie } from "../../support/http.ts";

type Data = { views: number; k: string; note: string; a: number; b: number };
type Flash = { f: string; k: string };

/** The Cookie header a browser sends back for a `Set-Cookie` line ("" keeps `previous`). */
function next(previous: string | null, setCookie: string): string | null {
  if (setCookie === "") return previous;
  const cookie = parseSetCookie(setCookie);
  return isClearing(cookie) ? null : `${cookie.name}=${cookie.value}`;
}

/**
 * One request: load the session from `cookie`, run `act` on it, commit; returns what `act` saw and
 * the cookie the browser then holds.
 */
async function request<T>(
  storage: SessionStorage<Data, Flash>,
  cookie: string | null,
  act: (session: Awaited<ReturnType<SessionStorage<Data, Flash>["getSession"]>>) => T,
): Promise<{ seen: T; cookie: string | null; setCookie: string }> {
  const session = await storage.getSession(cookie);
  const seen = act(session);
  const setCookie = await storage.commitSession(session);
  return { seen, cookie: next(cookie, setCookie), setCookie };
}

const sealed = (options: Partial<Parameters<typeof createSealedSessionStorage>[0]> = {}) =>
  createSealedSessionStorage<Data, Flash>({ secrets: generateSecret(), ...options });

describe("sealed-session/react-router: the SessionStorage", () => {
  it("means what React Router's own sessions mean: get/set/has/unset/flash/data, side by side", async () => {
    // The same requests against createCookieSessionStorage and ours; every observation must match.
    const script: ((s: Awaited<ReturnType<SessionStorage<Data, Flash>["getSession"]>>) => unknown)[] = [
      (s) => [s.has("a"), s.get("a"), s.data],
      (s) => {
        s.set("a", 1);
        s.set("b", 2);
        s.flash("f", "once");
        return [s.has("a"), s.has("f"), s.has("k"), s.data];
      },
      (s) => [s.data, s.get("f"), s.has("f"), s.get("f"), s.data],
      (s) => [s.get("f"), s.get("a")],
      (s) => {
        // Data first: a data key hides a flash of the same name, which stays until the data is unset.
        s.set("k", "data");
        s.flash("k", "flash");
        s.unset("b");
        s.unset("b");
        return [s.get("k"), s.has("k"), s.has("b"), s.data];
      },
      (s) => {
        const before = s.get("k");
        s.unset("k");
        return [before, s.has("k"), s.get("k"), s.has("k"), s.get("k")];
      },
      (s) => [s.data, s.has("k")],
    ];
    const run = async (storage: SessionStorage<Data, Flash>) => {
      const seen: unknown[] = [];
      let cookie: string | null = null;
      for (const step of script) {
        const result: { seen: unknown; cookie: string | null } = await request(storage, cookie, step);
        seen.push(result.seen);
        cookie = result.cookie;
      }
      return seen;
    };
    const theirs = await run(createCookieSessionStorage<Data, Flash>({ cookie: { secrets: ["s3cr3t"] } }));
    const ours = await run(sealed());
    assert.deepEqual(ours, theirs);
    assert.deepEqual(theirs[2], [
      { a: 1, b: 2, __flash_f__: "once" },
      "once",
      false,
      undefined,
      { a: 1, b: 2 },
    ]);
  });

  it("is React Router's Session (isSession); `id` is the session id and changes on login", async () => {
    const storage = sealed();
    const session = await storage.getSession(null);
    assert.ok(isSession(session));
    assert.equal(session.id, storage.sessionOf(session).id);
    assert.match(session.id, /^[\w-]{22}$/);
    const before = session.id;
    storage.login(session, "ada");
    assert.notEqual(session.id, before);
    assert.equal(storage.sessionOf(session).userId, "ada");
  });

  it("commitSession returns one Set-Cookie line, or an empty string when nothing needs writing", async () => {
    const storage = sealed();
    const fresh = await storage.getSession(undefined);
    assert.equal(await storage.commitSession(fresh), "", "an untouched new session sets no cookie");
    fresh.set("views", 1);
    const line = await storage.commitSession(fresh);
    assert.match(line, /^__Host-session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const cookie = next(null, line);
    const again = await storage.getSession(cookie);
    assert.equal(again.get("views"), 1);
    assert.equal(await storage.commitSession(again), "", "unchanged: the browser's cookie stays valid");
  });

  it("a cookie-only session that outgrows one cookie: SingleCookieError (too_large), pointing to the store", async () => {
    const storage = sealed();
    const session = await storage.getSession(null);
    session.set("note", "x".repeat(5000));
    await assert.rejects(storage.commitSession(session), (error: unknown) => {
      assert.ok(error instanceof SingleCookieError);
      assert.ok(error instanceof CookieTooLargeError, "apps catching the core's error still do");
      assert.equal(error.code, "too_large");
      assert.ok(error.bytes > 4096 && error.limit === 4096);
      assert.match(error.message, /one Set-Cookie/);
      assert.match(error.message, /`store`/);
      assert.ok(!error.message.includes("xxxx"), "no session contents in the message");
      return true;
    });
  });

  it("with a store, a session that outgrows the cookie moves there (auto); with mode always, any data does", async () => {
    const auto = sealed({ store: memoryStore() });
    const small = await request(auto, null, (s) => s.set("views", 1));
    assert.equal(auto.sessionOf(await auto.getSession(small.cookie)).storedIn, "cookie");
    const big = await request(auto, small.cookie, (s) => s.set("note", "x".repeat(20_000)));
    const read = await auto.getSession(big.cookie);
    assert.equal(auto.sessionOf(read).storedIn, "store");
    assert.equal(read.get("note")?.length, 20_000);
    assert.equal(read.get("views"), 1);
    assert.ok(big.setCookie.length < 1024, "the cookie holds a pointer");

    const always = sealed({ store: { store: memoryStore(), mode: "always" } });
    const stored = await request(always, null, (s) => s.set("views", 1));
    assert.equal(always.sessionOf(await always.getSession(stored.cookie)).storedIn, "store");
  });

  it("refuses settings that allow more than one cookie, naming the option, at start-up", () => {
    assert.throws(() => sealed({ cookie: { maxChunks: 2 } }), ConfigError);
    assert.throws(
      () => sealed({ cookie: { maxBytes: 8192 } }),
      /`cookie\.maxBytes` must be at most 4096 here/,
    );
    assert.ok(sealed({ cookie: { maxChunks: 1, maxBytes: 3000 } }));
    assert.throws(() => sealed({ secrets: "short" }), ConfigError);
  });

  it("refuses per-call cookie options instead of dropping them, and sessions it did not make", async () => {
    const storage = sealed();
    const session = await storage.getSession(null);
    session.set("views", 1);
    await assert.rejects(
      storage.commitSession(session, { maxAge: 60 }),
      /takes no cookie options \(maxAge\).*login/,
    );
    await assert.rejects(storage.destroySession(session, { expires: new Date() }), TypeError);
    await assert.rejects(
      storage.getSession("a=b", { decode: (value) => value }),
      /getSession\(\) takes no cookie/,
    );
    assert.match(await storage.commitSession(session, {}), /^__Host-session=/, "empty options are fine");
    await assert.rejects(
      storage.commitSession(createSession<Data, Flash>()),
      /did not come from this storage/,
    );
    const other = await sealed().getSession(null);
    assert.throws(() => storage.login(other, "ada"), TypeError);
  });

  it("login and regenerate: new ids, the replaced one revoked; logout revokes; another user starts empty", async () => {
    const storage = sealed({ revocation: memoryRevocationStore() });
    const anonymous = await request(storage, null, (s) => s.set("views", 3));
    const ada = await request(storage, anonymous.cookie, (s) => storage.login(s, "ada"));
    assert.equal((await storage.getSession(ada.cookie)).get("views"), 3, "logging in keeps the cart");

    const regenerated = await request(storage, ada.cookie, (s) => storage.regenerate(s, { keep: ["views"] }));
    const after = storage.sessionOf(await storage.getSession(regenerated.cookie));
    assert.equal(after.userId, "ada");
    assert.equal(after.data.views, 3);
    assert.equal(storage.sessionOf(await storage.getSession(ada.cookie)).invalidReason, "revoked");

    const bob = await request(storage, regenerated.cookie, (s) => storage.login(s, "bob"));
    assert.equal((await storage.getSession(bob.cookie)).get("views"), undefined, "another user: empty data");

    const session = await storage.getSession(bob.cookie);
    const cleared = await storage.destroySession(session);
    assert.ok(isClearing(parseSetCookie(cleared)));
    assert.equal(storage.sessionOf(await storage.getSession(bob.cookie)).invalidReason, "revoked");
    await assert.rejects(async () => session.set("views", 1), /destroyed/, "a destroyed session stays so");
  });

  it("a revocation store outage logs nobody out: the cookie is left alone, login answers read_only", async () => {
    const store = memoryRevocationStore();
    let down = false;
    const flaky: RevocationStore = {
      isRevoked: (query) => (down ? Promise.reject(new Error("down")) : store.isRevoked(query)),
      revokeSession: (revocation) => store.revokeSession(revocation),
      revokeUser: (revocation) => store.revokeUser(revocation),
    };
    const storage = sealed({ revocation: { store: flaky, onStoreError: () => "closed" } });
    const ada = await request(storage, null, (s) => storage.login(s, "ada"));
    down = true;
    const session = await storage.getSession(ada.cookie);
    assert.equal(storage.sessionOf(session).invalidReason, "revocation_unavailable");
    session.set("views", 1);
    assert.equal(await storage.commitSession(session), "", "neither written nor cleared");
    assert.throws(() => storage.login(session, "mallory"), SessionReadOnlyError);
  });

  it("a request carrying chunks of a larger session (another writer of the name): a clear error", async () => {
    const storage = sealed();
    const session = await storage.getSession("__Host-session.0=2:AAAA; __Host-session.1=BBBB; other=1");
    assert.equal(
      storage.sessionOf(session).invalidReason,
      "too_large",
      "one cookie is all this storage reads",
    );
    await assert.rejects(storage.commitSession(session), (error: unknown) => {
      assert.ok(error instanceof SessionError);
      assert.equal(error.code, "too_large");
      assert.match(error.message, /__Host-session\.0/);
      assert.ok(!/AAAA|BBBB/.test(error.message), "no cookie values in the message");
      return true;
    });
  });

  it("options as a function are resolved on first use; a failure then is a ConfigError", async () => {
    let calls = 0;
    const storage: SealedSessionStorage<Data, Flash> = createSealedSessionStorage(() => {
      calls++;
      return { secrets: generateSecret() };
    });
    assert.equal(calls, 0, "a build step that imports the module needs no secret");
    await storage.getSession(null);
    await storage.getSession(null);
    assert.equal(calls, 1);
    const broken = createSealedSessionStorage(() => {
      throw new Error("SESSION_SECRETS is not set");
    });
    await assert.rejects(broken.getSession(null), /options function threw \(SESSION_SECRETS is not set\)/);
  });
});

describe("sealed-session/react-router: the route middleware", () => {
  const args = (request: Request, context: RouterContextProvider) => ({
    request,
    context,
    url: new URL(request.url),
    pattern: "/",
    params: {},
  });

  it("mounted twice on one request (a layout and its route) loads and commits once", async () => {
    const sessions = createSessionMiddleware<Data, Flash>({ secrets: generateSecret() });
    const context = new RouterContextProvider();
    const request = new Request("https://example.com/");
    let seen: unknown;
    const response = await sessions.middleware(args(request, context), async () => {
      const outer = context.get(sessions.context);
      const inner = await sessions.middleware(args(request, context), async () => {
        seen = context.get(sessions.context);
        (seen as typeof outer).data.views = 1;
        return new Response("ok");
      });
      assert.equal(seen, outer, "the inner mount reused the outer session");
      return inner as Response;
    });
    assert.ok(response instanceof Response);
    assert.equal(response.headers.getSetCookie().length, 1, "one Set-Cookie");
    assert.equal(response.headers.get("cache-control"), "private, no-store");
  });

  it("commits onto a Response whose headers are immutable (Response.redirect) by copying it", async () => {
    const sessions = createSessionMiddleware<Data, Flash>({ secrets: generateSecret() });
    const context = new RouterContextProvider();
    const response = await sessions.middleware(
      args(new Request("https://example.com/"), context),
      async () => {
        context.get(sessions.context).flash("f", "moved");
        return Response.redirect("https://example.com/next", 303);
      },
    );
    assert.ok(response instanceof Response);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "https://example.com/next");
    assert.equal(response.headers.getSetCookie().length, 1);
  });

  it("context.get without the middleware fails loudly (React Router's own error)", () => {
    const sessions = createSessionMiddleware<Data, Flash>({ secrets: generateSecret() });
    assert.throws(() => new RouterContextProvider().get(sessions.context), /No value found for context/);
  });
});
