// sealed-session/next against Next's own classes, in-process: the cookie stores Next hands a Server
// Component (sealed: `set` throws), a Server Action or Route Handler (mutable), and NextRequest /
// NextResponse in the proxy. The real app, built and served, is in test/frameworks/next/.
import { readFileSync } from "node:fs";
import * as ironSession from "iron-session";
import * as ironSessionV8 from "iron-session-v8";
import { RequestCookies, ResponseCookies } from "next/dist/compiled/@edge-runtime/cookies/index.js";
import * as adapters from "next/dist/server/web/spec-extension/adapters/request-cookies.js";
import { NextRequest, NextResponse } from "next/server.js";
import { createSessions, generateSecret, type Session } from "sealed-session";
import { nextSessions } from "sealed-session/next";
import { describe, expect, it } from "vitest";
import { cookieHeader, forwardedCookieHeader, toCookieToSet } from "../../src/next/cookies.ts";

const { MutableRequestCookiesAdapter, RequestCookiesAdapter } = (
  "default" in adapters ? adapters.default : adapters
) as typeof adapters;

const secret = generateSecret();
type Data = { count: number; nested: { list: number[] } };

/** What `cookies()` is in a Server Action or Route Handler: its writes, as Next serializes them. */
function actionCookies(cookie = "") {
  const written: string[] = [];
  const store = MutableRequestCookiesAdapter.wrap(new RequestCookies(new Headers({ cookie })), (lines) => {
    written.splice(0, written.length, ...lines);
  });
  return { store, written };
}

/** What `cookies()` is in a Server Component: `set` throws. */
const componentCookies = (cookie = "") =>
  RequestCookiesAdapter.seal(new RequestCookies(new Headers({ cookie })));

/** A cookie header holding a session made by the core with the same secret. */
async function sessionCookie(change: (session: Session<Data>) => void, options = {}) {
  const manager = createSessions<Data>({ secrets: secret, ...options });
  const session = await manager.load(new Headers());
  change(session);
  const headers = new Headers();
  await manager.commit(session, headers);
  return headers
    .getSetCookie()
    .map((line) => line.split(";")[0])
    .join("; ");
}

describe("nextSessions: Server Actions and Route Handlers (load, commit through cookies())", () => {
  it("writes the core's cookie with its attributes through cookies().set, and reads it back", async () => {
    const sessions = nextSessions<Data>({ secrets: secret });
    const { store, written } = actionCookies();
    const session = await sessions.load(store);
    session.data.count = 1;
    const result = await sessions.commit(session, store);
    expect(result.revocationError).toBeUndefined();
    expect(result.headers.get("cache-control")).toBe("private, no-store");
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(
      /^__Host-session=[\w.-]+; Path=\/; Expires=.+; Max-Age=\d+; Secure; HttpOnly; SameSite=lax$/,
    );

    const next = actionCookies(written[0]!.split(";")[0]);
    expect((await sessions.load(next.store)).data.count).toBe(1);
  });

  it("commits nothing for an untouched anonymous session, and only Cache-Control for an unchanged one", async () => {
    const sessions = nextSessions<Data>({ secrets: secret });
    const anonymous = actionCookies();
    const result = await sessions.commit(await sessions.load(anonymous.store), anonymous.store);
    expect(anonymous.written).toEqual([]);
    expect([...result.headers]).toEqual([]);

    const known = actionCookies(await sessionCookie((session) => session.login("ann")));
    const unchanged = await sessions.commit(await sessions.load(known.store), known.store);
    expect(known.written).toEqual([]);
    expect(unchanged.headers.get("cache-control")).toBe("private, no-store");
  });

  it("writes a chunked session as one cookie per chunk and clears the stale ones with Secure and Path", async () => {
    const sessions = nextSessions<{ note: string }>({ secrets: secret, cookie: { maxBytes: 8192 } });
    const { store, written } = actionCookies("__Host-session=old");
    const session = await sessions.load(store);
    session.data.note = "n".repeat(5000);
    await sessions.commit(session, store);
    const names = written.map((line) => line.split("=")[0]);
    expect(names.sort()).toEqual(["__Host-session", "__Host-session.0", "__Host-session.1"]);
    const cleared = written.find((line) => line.startsWith("__Host-session="));
    expect(cleared).toMatch(
      /^__Host-session=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Secure/,
    );
    // Next percent-encodes the chunk head's colon; its own stores decode it again on the way in.
    expect(written.find((line) => line.startsWith("__Host-session.0="))).toMatch(/^__Host-session\.0=2%3A/);
    const jar = written
      .filter((line) => line !== cleared)
      .map((line) => line.split(";")[0])
      .join("; ");
    expect((await sessions.load(actionCookies(jar).store)).data.note).toHaveLength(5000);
  });

  it("a commit where cookies cannot be set (a Server Component's store) throws Next's error, not silence", async () => {
    const sessions = nextSessions<Data>({ secrets: secret });
    const store = componentCookies();
    const session = await sessions.load(store);
    session.data.count = 1;
    await expect(sessions.commit(session, store)).rejects.toThrow(
      /Cookies can only be modified in a Server Action/,
    );
  });
});

describe("nextSessions: Server Components (read)", () => {
  it("gives a read-only view: frozen data, no methods that would change the session", async () => {
    const sessions = nextSessions<Data>({ secrets: secret });
    const cookie = await sessionCookie((session) => {
      session.login("bea");
      session.data.count = 2;
      session.data.nested = { list: [1] };
      session.flash("notice", "hi");
    });
    const view = await sessions.read(componentCookies(cookie));
    expect([view.userId, view.data.count, view.isNew, view.invalidReason]).toEqual([
      "bea",
      2,
      false,
      undefined,
    ]);
    expect(() => {
      (view.data as Data).count = 3;
    }).toThrow(TypeError);
    expect(() => {
      (view.data.nested as { list: number[] }).list.push(2);
    }).toThrow(TypeError);
    expect(Object.isFrozen(view)).toBe(true);
    for (const method of ["login", "regenerate", "destroy", "flash"]) expect(method in view).toBe(false);
  });

  it("reports a rejected cookie's reason and never throws for it", async () => {
    const sessions = nextSessions<Data>({ secrets: secret });
    const view = await sessions.read(componentCookies("__Host-session=garbage"));
    expect([view.isNew, view.invalidReason, view.userId]).toEqual([true, "malformed", undefined]);
  });

  it("leaves out a cookie whose decoded value holds a ';', so it cannot plant pairs of its own", async () => {
    const planted = await sessionCookie((session) => session.login("mallory"));
    // Another cookie whose value decodes to "x; __Host-session=<token>".
    const header = `theme=x${encodeURIComponent(`; ${planted}`)}`;
    expect(cookieHeader(new RequestCookies(new Headers({ cookie: header })))).toBe("");
    const view = await nextSessions({ secrets: secret }).read(componentCookies(header));
    expect(view.userId).toBeUndefined();
  });
});

describe("nextSessions: options", () => {
  it("checks fixed options at once, and calls an options function on first use only", async () => {
    expect(() => nextSessions({ secrets: "" })).toThrow(/secrets/);
    let calls = 0;
    const sessions = nextSessions(() => {
      calls++;
      return { secrets: process.env.SEALED_SESSION_NEXT_TEST_SECRET ?? "" };
    });
    expect(calls).toBe(0);
    await expect(sessions.read(componentCookies())).rejects.toMatchObject({ code: "invalid_config" });
    process.env.SEALED_SESSION_NEXT_TEST_SECRET = secret;
    try {
      expect((await sessions.read(componentCookies())).isNew).toBe(true);
      await sessions.read(componentCookies());
      expect(sessions.manager.cookieName).toBe("__Host-session");
      expect(calls).toBe(2); // the failed call, then one that built the manager for good
    } finally {
      delete process.env.SEALED_SESSION_NEXT_TEST_SECRET;
    }
  });
});

describe("nextSessions: the proxy (NextRequest, NextResponse.next)", () => {
  const request = (cookie: string) =>
    new NextRequest("http://localhost/", { headers: { cookie, "x-other": "kept" } });
  /** Next forwards request headers as x-middleware-request-<name> on the response. */
  const forwarded = (response: Response, name: string) =>
    response.headers.get(`x-middleware-request-${name}`);

  it("commits a due refresh, sets it on the response and forwards it on the request's Cookie header", async () => {
    const sessions = nextSessions<Data>({ secrets: secret, idleTimeout: 3600 });
    const old = await sessionCookie((session) => session.login("cal"), {
      idleTimeout: 3600,
      now: () => Date.now() - 20 * 60_000,
    });
    let seen: string | undefined;
    const response = await sessions.proxy(request(`a=1; ${old}; b=%20two`), (init, session) => {
      seen = session.userId;
      return NextResponse.next(init);
    });
    expect(seen).toBe("cal");
    const set = response.headers.getSetCookie();
    expect(set).toHaveLength(1);
    const fresh = set[0]!.split(";")[0];
    expect(fresh).not.toBe(old);
    // Other cookies keep their exact bytes; ours is replaced by what the browser now holds.
    expect(forwarded(response, "cookie")).toBe(`a=1; b=%20two; ${fresh}`);
    expect(forwarded(response, "x-other")).toBe("kept");
    expect(response.headers.get("cache-control")).toBe("private, no-store");
  });

  it("clears a rejected cookie and forwards the request without it", async () => {
    const sessions = nextSessions<Data>({ secrets: secret });
    const response = await sessions.proxy(request("a=1; __Host-session=garbage"), (init, session) => {
      expect(session.invalidReason).toBe("malformed");
      return NextResponse.next(init);
    });
    expect(response.headers.getSetCookie()).toEqual([
      "__Host-session=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax",
    ]);
    expect(forwarded(response, "cookie")).toBe("a=1");
  });

  it("forwards the request unchanged and sets nothing when the session needs no write", async () => {
    const sessions = nextSessions<Data>({ secrets: secret });
    const cookie = await sessionCookie((session) => session.login("dee"));
    const response = await sessions.proxy(request(`${cookie}; a=1`), (init) => NextResponse.next(init));
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(forwarded(response, "cookie")).toBe(`${cookie}; a=1`);
  });
});

describe("cookie plumbing", () => {
  it("forwardedCookieHeader: replaces and drops the cookies a commit names, keeps the rest verbatim", () => {
    const lines = [
      "s.0=2:abc; Max-Age=60; Path=/; Secure",
      "s.1=def; Max-Age=60; Path=/; Secure",
      "s=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure",
    ];
    expect(forwardedCookieHeader("x=1; s=old;y=a%3Bb; flag", lines)).toBe(
      "x=1; y=a%3Bb; flag; s.0=2:abc; s.1=def",
    );
    expect(forwardedCookieHeader(null, [lines[2]!])).toBe("");
  });

  it("toCookieToSet: what Next's ResponseCookies serializes carries every attribute the core wrote", () => {
    const line =
      "__Secure-s=v.1-_~*; Max-Age=120; Domain=example.com; Path=/app; HttpOnly; Secure; Partitioned; Priority=High; SameSite=None";
    const cookie = toCookieToSet(line);
    expect(cookie).toEqual({
      name: "__Secure-s",
      value: "v.1-_~*",
      maxAge: 120,
      domain: "example.com",
      path: "/app",
      httpOnly: true,
      secure: true,
      partitioned: true,
      priority: "high",
      sameSite: "none",
    });
    const jar = new ResponseCookies(new Headers());
    jar.set(cookie);
    const written = jar.toString();
    for (const part of [
      "Max-Age=120",
      "Domain=example.com",
      "Path=/app",
      "HttpOnly",
      "Secure",
      "Partitioned",
    ]) {
      expect(written).toContain(part);
    }
    expect(written).toMatch(/^__Secure-s=v\.1-_~\*;/);
  });
});

describe("migrating from iron-session's getIronSession(await cookies(), …)", () => {
  // docs/next.md, "Migrating from iron-session": a new generated secret first, iron-session's password after it.
  const password = generateSecret();
  const migrated = () =>
    nextSessions<{ username: string; isLoggedIn: boolean }>({
      secrets: [generateSecret(), { id: "1", secret: password }],
      format: ["jwe", "iron"],
      adoptIronSessions: true,
      cookie: { name: "myapp_session", prefix: "" },
    });

  for (const [name, library] of [
    ["iron-session v9", ironSession],
    ["iron-session v8", ironSessionV8],
  ] as const) {
    it(`keeps a ${name} user logged in: the cookie loads with its data and is re-sealed as jwe`, async () => {
      const token = await library.sealData({ username: "ann", isLoggedIn: true }, { password });
      const sessions = migrated();
      const { store, written } = actionCookies(`myapp_session=${token}`);
      const session = await sessions.load(store);
      expect(session.invalidReason).toBeUndefined();
      expect(session.data).toEqual({ username: "ann", isLoggedIn: true });
      await sessions.commit(session, store);
      expect(written).toHaveLength(1);
      expect(written[0]).toMatch(/^myapp_session=eyJ/); // a compact JWE now
      const again = await sessions.read(componentCookies(written[0]!.split(";")[0]));
      expect(again.data).toEqual({ username: "ann", isLoggedIn: true });
    });
  }
});

describe("docs/next.md", () => {
  it("quotes the example's files verbatim", () => {
    const root = new URL("../../", import.meta.url);
    const docs = readFileSync(new URL("docs/next.md", root), "utf8");
    const quotes = [...docs.matchAll(/^```ts\n\/\/ (examples\/next-app\/\S+)\n([\s\S]*?)^```$/gm)];
    expect(quotes.map((match) => match[1])).toEqual([
      "examples/next-app/lib/session.ts",
      "examples/next-app/app/actions.ts",
      "examples/next-app/app/api/counter/route.ts",
      "examples/next-app/proxy.ts",
    ]);
    for (const [, path = "", body] of quotes) {
      expect(body, `${path} changed: copy it into docs/next.md again`).toBe(
        readFileSync(new URL(path, root), "utf8"),
      );
    }
  });
});
