// sealed-session/next in a real Next.js app: examples/next-app built with `next build`, served by
// `next start` on a free port, driven over HTTP the way a browser without JavaScript would (forms,
// Server Actions posted as multipart forms, redirects followed by hand).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createSessions, generateSecret, type Session } from "../../../src/index.ts";
import { type Build, buildOnce, Jar, NEXT_MAJOR, type NextServer, startNext } from "./app.ts";

const COOKIE = "__Host-session";
// The server lists NEW first and OLD second: a rotation in progress.
const NEW = generateSecret();
const OLD = generateSecret();
const OPTIONS = { idleTimeout: 60 * 60, cookie: { maxBytes: 8192 } };

type Data = { count: number; note: string };

/** Seals a session the way the app would have, with `secrets` and, optionally, an earlier clock. */
async function cookieFor(secrets: string[], change: (session: Session<Data>) => void, ago = 0) {
  const manager = createSessions<Data>({ ...OPTIONS, secrets, now: () => Date.now() - ago });
  const session = await manager.load(new Headers());
  change(session);
  const headers = new Headers();
  await manager.commit(session, headers);
  const jar = new Jar();
  jar.take(new Response(null, { headers }));
  return { jar, session };
}

/** Opens a cookie with the given secrets only, as the test's own manager. */
async function open(jar: Jar, secrets: string[]) {
  return createSessions<Data>({ ...OPTIONS, secrets }).load(new Headers({ cookie: jar.header() }));
}

const text = (html: string, id: string) => new RegExp(`id="${id}">([^<]*)<`).exec(html)?.[1];
const clears = (lines: string[], name: string) =>
  lines.some((line) => line.startsWith(`${name}=;`) && /max-age=0/i.test(line) && /;\s*secure/i.test(line));

describe("sealed-session/next in examples/next-app (next build, next start)", { timeout: 600_000 }, () => {
  let build: Build;
  let server: NextServer;
  let base: string;

  before(async () => {
    build = buildOnce();
    console.log(
      build.reused ? "next build: reused the build of the same inputs" : `next build: ${build.seconds} s`,
    );
    server = await startNext({ SESSION_SECRETS: `${NEW},${OLD}` });
    base = server.base;
  });

  after(async () => {
    await server?.stop();
  });

  const get = (path: string, jar: Jar, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      redirect: "manual",
      headers: { cookie: jar.header(), ...(init.headers as Record<string, string>) },
    });

  interface Me {
    user: string | null;
    count: number;
    note: number;
    invalidReason: string | null;
    idleExpiresAt: number | null;
  }

  async function me(jar: Jar) {
    const response = await get("/api/me", jar);
    assert.equal(response.status, 200);
    const lines = jar.take(response);
    return { ...((await response.json()) as Me), lines, response };
  }

  async function page(jar: Jar, path = "/") {
    const response = await get(path, jar);
    assert.equal(response.status, 200, path);
    const lines = jar.take(response);
    const html = await response.text();
    return { html, lines, response, user: text(html, "user"), count: text(html, "count") };
  }

  /** Submits a Server Action form the page rendered, as a browser without JavaScript does. */
  async function submit(jar: Jar, formId: string, fields: Record<string, string> = {}) {
    const { html } = await page(jar);
    const form = new RegExp(`<form id="${formId}"[^>]*>(.*?)</form>`).exec(html)?.[1];
    assert.ok(form, `the page shows the ${formId} form`);
    const body = new FormData();
    for (const [, name] of form.matchAll(/<input type="hidden" name="([^"]+)"/g)) body.set(name ?? "", "");
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    const response = await get("/", jar, { method: "POST", body, headers: { origin: base } });
    assert.equal(response.status, 303, `${formId}: a Server Action that redirects`);
    assert.equal(response.headers.get("location"), "/");
    // Next's own header on Server Action responses: nothing stores them.
    assert.match(response.headers.get("cache-control") ?? "", /no-store/);
    const lines = jar.take(response);
    await response.arrayBuffer();
    return lines;
  }

  it(`the build used the installed SWC binary, type-checked the app, and downloaded nothing (Next ${NEXT_MAJOR})`, () => {
    assert.doesNotMatch(build.log, /download|installing|wasm|Failed to load SWC|registry/i);
    if (NEXT_MAJOR === 16) {
      assert.match(build.log, /Next\.js 16\.\d+\.\d+ \(Turbopack\)/);
      assert.match(build.log, /Proxy \(Middleware\)/);
      // Next's own type check ran (TypeScript 7, through its CLI), against Next's real types.
      assert.match(build.log, /Finished TypeScript/);
    } else {
      // Next 15: webpack, and its type check through TypeScript 5's API. Its middleware.ts runs on
      // Node, which the build does not list: the proxy tests below show it ran.
      assert.match(build.log, /Next\.js 15\.\d+\.\d+/);
      assert.match(build.log, /Linting and checking validity of types/);
    }
  });

  it("login through a Server Action: the Server Component shows the user, a Route Handler reads the flash once", async () => {
    const jar = new Jar();
    const first = await page(jar);
    assert.equal(first.user, "anonymous");
    assert.deepEqual(first.lines, [], "an untouched anonymous session writes nothing");

    const lines = await submit(jar, "login", { name: "ann" });
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? "", new RegExp(`^${COOKIE}=[^;]+; .*HttpOnly`, "i"));
    assert.match(lines[0] ?? "", /; Secure/i);
    assert.match(lines[0] ?? "", /SameSite=lax/i);

    const after = await page(jar);
    assert.equal(after.user, "ann");
    assert.doesNotMatch(after.html, /id="login"/);

    const notice = async () => {
      const response = await get("/api/notice", jar, { method: "POST" });
      jar.take(response);
      return { body: (await response.json()) as { notice: string | null }, response };
    };
    const once = await notice();
    assert.equal(once.body.notice, "Welcome, ann");
    assert.equal(once.response.headers.get("cache-control"), "private, no-store");
    assert.equal((await notice()).body.notice, null, "a flash value is read once");
    assert.equal((await page(jar)).user, "ann", "reading the flash kept the login");
  });

  it("a Route Handler changes the counter; the Server Component reads it", async () => {
    const jar = new Jar();
    for (const expected of [1, 2, 3]) {
      const response = await get("/api/counter", jar, { method: "POST" });
      assert.equal(response.status, 303);
      assert.equal(response.headers.get("location"), "/");
      // Next adds no Cache-Control to Route Handler responses: the one commit returned is there.
      assert.equal(response.headers.get("cache-control"), "private, no-store");
      assert.equal(jar.take(response).length, 1);
      assert.equal((await page(jar)).count, String(expected));
    }
    const read = await get("/api/counter", jar);
    assert.deepEqual(await read.json(), { count: 3 });
    assert.deepEqual(read.headers.getSetCookie(), [], "reading changes nothing");
  });

  it("logout through a Server Action revokes the session: a kept copy of the cookie is refused", async () => {
    const jar = new Jar();
    await submit(jar, "login", { name: "bea" });
    const stolen = new Map(jar.cookies);
    const copy = () => {
      const other = new Jar();
      for (const [name, value] of stolen) other.cookies.set(name, value);
      return other;
    };
    assert.equal((await me(copy())).user, "bea");

    const lines = await submit(jar, "logout");
    assert.ok(clears(lines, COOKIE), `logout clears the cookie (Secure, Max-Age=0): ${lines}`);
    assert.equal(jar.cookies.size, 0);
    assert.equal((await page(jar)).user, "anonymous");

    // The copy still holds a valid seal; the revocation store says no.
    const replayed = await me(copy());
    assert.equal(replayed.user, null);
    assert.equal(replayed.invalidReason, "revoked");
    assert.ok(clears(replayed.lines, COOKIE));
    const viaProxy = await page(copy());
    assert.equal(viaProxy.user, "anonymous", "the proxy refuses it too (same store, same process)");
    assert.ok(clears(viaProxy.lines, COOKIE));
  });

  it("a tampered cookie is refused with its reason and cleared, by a Route Handler and by the proxy", async () => {
    const { jar } = await cookieFor([NEW], (session) => session.login("cat"));
    const token = jar.cookies.get(COOKIE) ?? "";
    const flipped = `${token.slice(0, -5)}${token.at(-5) === "A" ? "B" : "A"}${token.slice(-4)}`;
    const tampered = () => {
      const bad = new Jar();
      bad.cookies.set(COOKIE, flipped);
      return bad;
    };
    const handler = await me(tampered());
    assert.equal(handler.user, null);
    assert.equal(handler.invalidReason, "bad_seal");
    assert.ok(clears(handler.lines, COOKIE));

    const proxied = await page(tampered());
    assert.equal(proxied.user, "anonymous");
    assert.ok(clears(proxied.lines, COOKIE), "the proxy clears it before the page renders");
  });

  it("a rotated secret: a cookie sealed with the older secret loads and is re-sealed with the newest; an unlisted one is unknown_key", async () => {
    const { jar } = await cookieFor([OLD], (session) => {
      session.login("dan");
      session.data.count = 7;
    });
    const shown = await page(jar);
    assert.equal(shown.user, "dan");
    assert.equal(shown.count, "7");
    assert.equal(shown.lines.length, 1, "the proxy re-sealed it on this response");
    const resealed = await open(jar, [NEW]);
    assert.equal(resealed.invalidReason, undefined, "the new cookie opens with the newest secret alone");
    assert.equal(resealed.userId, "dan");

    const { jar: stranger } = await cookieFor([generateSecret()], (session) => session.login("eve"));
    const refused = await me(stranger);
    assert.equal(refused.invalidReason, "unknown_key");
    assert.equal(refused.user, null);
  });

  it("the proxy's refresh is what the same request's Server Component reads (forwarded on the request's Cookie header)", async () => {
    // Issued 20 minutes ago: with a one-hour idle timeout, a refresh is due (refreshAfter 6 minutes).
    const { jar, session } = await cookieFor([NEW], (s) => s.login("fay"), 20 * 60_000);
    const before = session.idleExpiresAt ?? 0;
    const shown = await page(jar);
    assert.equal(shown.lines.length, 1, "the proxy set the refreshed cookie");
    const refreshed = await open(jar, [NEW]);
    const idle = refreshed.idleExpiresAt ?? 0;
    assert.ok(idle >= before + 19 * 60_000, "the new cookie's idle deadline moved");
    assert.equal(
      Number(text(shown.html, "idle")),
      idle,
      "the page rendered from the new cookie, not the old",
    );
    // The next request carries it: nothing more to refresh.
    assert.deepEqual((await page(jar)).lines, []);
  });

  it("a client cannot hand the page a session through Next's internal headers", async () => {
    const { jar } = await cookieFor([NEW], (session) => session.login("gus"));
    const cookie = jar.header();
    const forged = await fetch(`${base}/`, {
      headers: {
        "x-middleware-set-cookie": `${cookie}; Path=/`,
        "x-middleware-override-headers": "cookie",
        "x-middleware-request-cookie": cookie,
      },
    });
    assert.equal(text(await forged.text(), "user"), "anonymous");
  });

  it("a long note spans two cookies written through cookies().set; removing it clears the stale chunk", async () => {
    const jar = new Jar();
    const put = await get("/api/note", jar, {
      method: "PUT",
      body: JSON.stringify({ note: "n".repeat(5000) }),
    });
    assert.deepEqual(await put.json(), { note: 5000 });
    const written = jar.take(put);
    assert.deepEqual([...jar.cookies.keys()].sort(), [`${COOKIE}.0`, `${COOKIE}.1`]);
    assert.ok(written.every((line) => /; Secure/i.test(line) && /Path=\//.test(line)));
    assert.equal((await me(jar)).note, 5000, "a Route Handler reads both chunks");
    const shown = await page(jar);
    assert.equal(shown.user, "anonymous");
    assert.deepEqual(shown.lines, [], "the proxy reads them too, and has nothing to change");

    const removed = await get("/api/note", jar, { method: "DELETE" });
    const lines = jar.take(removed);
    assert.ok(clears(lines, `${COOKIE}.0`) && clears(lines, `${COOKIE}.1`), lines.join("\n"));
    assert.deepEqual([...jar.cookies.keys()], [COOKIE]);
    assert.equal((await me(jar)).note, 0);
  });

  it("Server Components are read-only and say so: changing data or committing fails (500), nothing is written", async () => {
    const { jar } = await cookieFor([NEW], (session) => session.login("hal"));
    const fine = await get("/readonly", jar);
    assert.equal(fine.status, 200);
    await fine.arrayBuffer();
    for (const attempt of ["mutate", "commit"]) {
      const response = await get(`/readonly?try=${attempt}`, jar);
      assert.equal(response.status, 500, attempt);
      assert.deepEqual(response.headers.getSetCookie(), [], attempt);
      await response.arrayBuffer();
    }
    assert.match(server.output(), /TypeError: Cannot add property count, object is not extensible/);
    assert.match(server.output(), /Cookies can only be modified in a Server Action or Route Handler/);
  });

  it("a Server Component in the edge runtime reads the session", async () => {
    const { jar } = await cookieFor([NEW], (session) => session.login("ivy"));
    const shown = await page(jar, "/edge");
    assert.deepEqual([shown.user, text(shown.html, "runtime")], ["ivy", "edge"]);
  });

  it("a Route Handler in the edge runtime reads and writes the same session", async () => {
    const { jar } = await cookieFor([NEW], (session) => {
      session.login("ida");
      session.data.count = 41;
    });
    const response = await get("/api/edge", jar, { method: "POST" });
    assert.deepEqual(await response.json(), { count: 42, runtime: "edge" });
    assert.equal(response.headers.get("cache-control"), "private, no-store");
    jar.take(response);
    const node = await me(jar);
    assert.deepEqual([node.user, node.count], ["ida", 42]);
  });
});
