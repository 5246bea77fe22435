// The demo Worker's contract (docs/demo.md), through its fetch with the bindings of wrangler.toml.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { createSessions, generateSecret } from "sealed-session";
import { describe, expect, it } from "vitest";
import demo from "../../demo-worker/src/index.ts";
import { CookieJar } from "../demo/cookie-jar.ts";

const ORIGIN = "https://demo.example";
const COOKIE = "__Host-session";
type Me = {
  user: string | null;
  views: number;
  id: string;
  isNew: boolean;
  invalidReason: string | null;
  issuedAt: number;
  expiresAt: number;
  idleExpiresAt: number | null;
  stored: Record<string, unknown> | null;
  storedIn: "cookie" | "store";
  authAt: number | null;
  freshUntil: number | null;
  note: string | null;
};

/**
 * The cookie of a session whose user logged in `secondsAgo` seconds ago, sealed with the demo's
 * secret: no clock to move in workerd, so the session is made in the past instead.
 */
async function loggedInAgo(secondsAgo: number, user: string, secrets = env.SESSION_SECRETS!) {
  const past = createSessions({ secrets, now: () => Date.now() - secondsAgo * 1000 });
  const session = await past.load(new Request(ORIGIN));
  session.login(user);
  const headers = new Headers();
  await past.commit(session, headers);
  const [pair = ""] = (headers.getSetCookie()[0] ?? "").split(";");
  return pair.slice(pair.indexOf("=") + 1);
}

/** A browser-like client: a cookie jar, and same-origin headers unless told otherwise. */
function client(bindings: Partial<Cloudflare.Env> = env) {
  const jar = new CookieJar();
  async function send(
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string> } = {},
  ) {
    const ctx = createExecutionContext();
    const request = new Request(ORIGIN + path, {
      method,
      body: init.body,
      headers: jar.headers(init.headers),
    });
    const response = await demo.fetch(request, bindings, ctx);
    await waitOnExecutionContext(ctx);
    return jar.store(response);
  }
  const json = (method: string, path: string, body: unknown) =>
    send(method, path, {
      body: JSON.stringify(body),
      headers: { "content-type": "application/json", origin: ORIGIN, "sec-fetch-site": "same-origin" },
    });
  const me = async () => (await (await send("GET", "/api/me")).json()) as Me;
  return { jar, send, json, me };
}

describe("the JSON API", () => {
  it("GET /api/me counts views from 1 and reports the session's state", async () => {
    const { me } = client();
    const first = await me();
    expect(first).toMatchObject({ user: null, views: 1, isNew: true, invalidReason: null, stored: null });
    expect(first.id).toMatch(/^[\w-]{8}$/);
    expect(first.expiresAt - first.issuedAt).toBe(Number(env.SESSION_MAX_AGE) * 1000);
    expect(first.idleExpiresAt).toBe(first.issuedAt + Number(env.SESSION_IDLE_TIMEOUT) * 1000);
    const second = await me();
    expect(second).toMatchObject({ views: 2, isNew: false, id: first.id });
  });

  it("POST /api/login binds the user under a new session id and keeps the views", async () => {
    const { json, me } = client();
    const before = await me();
    const login = await json("POST", "/api/login", { user: "Ada Lovelace" });
    expect(login.status).toBe(200);
    expect(await login.json()).toEqual({ user: "Ada Lovelace" });
    const after = await me();
    expect(after).toMatchObject({ user: "Ada Lovelace", views: 2 });
    expect(after.id).not.toBe(before.id);
  });

  it("POST /api/login with a missing or bad body is a 400 with an error", async () => {
    const { send, json } = client();
    for (const body of [
      {},
      { user: 5 },
      { user: "" },
      { user: "x".repeat(65) },
      { user: "<script>" },
      ["ada"],
    ]) {
      const response = await json("POST", "/api/login", body);
      expect(response.status).toBe(400);
      expect(await response.json()).toHaveProperty("error");
    }
    const bodyless = await send("POST", "/api/login");
    expect(bodyless.status).toBe(400);
    const broken = await send("POST", "/api/login", {
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ error: "the body is not valid JSON" });
  });

  it("POST /api/logout clears the session, and is 200 when anonymous too", async () => {
    const { send, json, me, jar } = client();
    expect((await send("POST", "/api/logout")).status).toBe(200);
    await json("POST", "/api/login", { user: "grace" });
    expect(jar.names()).toEqual([COOKIE]);
    const out = await send("POST", "/api/logout");
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ user: null });
    expect(jar.names()).toEqual([]);
    expect(await me()).toMatchObject({ user: null, views: 1, isNew: true });
  });

  it("POST /api/logout-all is 401 when anonymous, 200 and logged out otherwise", async () => {
    const { send, json, me, jar } = client();
    const anonymous = await send("POST", "/api/logout-all");
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toHaveProperty("error");
    await json("POST", "/api/login", { user: "linus" });
    const all = await send("POST", "/api/logout-all");
    expect(all.status).toBe(200);
    expect(jar.names()).toEqual([]);
    expect((await me()).user).toBeNull();
  });

  it("PUT /api/data up to 64 KiB: the session moves to the store and its cookies stay under 1 KiB", async () => {
    const { json, me, jar } = client();
    const raw = crypto.getRandomValues(new Uint8Array(45_000));
    const blob = btoa(String.fromCharCode(...raw)); // 60,000 characters of incompressible text
    const put = await json("PUT", "/api/data", { blob });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ stored: 1 });
    const bytes = put.headers
      .getSetCookie()
      .map((line) => line.slice(0, line.indexOf(";")))
      .reduce((sum, pair) => sum + pair.length, 0);
    expect(bytes).toBeLessThan(1024);
    expect(jar.names()).toEqual([COOKIE]);
    const read = await me();
    expect(read.stored).toEqual({ blob });
    expect(read.storedIn).toBe("store");
    // Moving is one-way: a small session now stays in the store.
    await json("PUT", "/api/data", { small: true });
    const small = await me();
    expect(small.stored).toEqual({ small: true });
    expect(small.storedIn).toBe("store");
  });

  it("PUT /api/data refuses what is not an object, and a body over 64 KiB (413)", async () => {
    const { json, me } = client();
    for (const body of [[1, 2], "text", 5, null])
      expect((await json("PUT", "/api/data", body)).status).toBe(400);
    const huge = await json("PUT", "/api/data", { blob: "x".repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(huge.headers.getSetCookie()).toEqual([]);
    expect((await me()).stored).toBeNull();
  });

  it("the cart: lines set and removed, kept in the store, kept across login; 20 parallel adds all land", async () => {
    const { json, send, me } = client();
    expect(await (await send("GET", "/api/cart")).json()).toEqual({ items: {} });
    expect((await json("POST", "/api/cart", { sku: "book", qty: 1 })).status).toBe(200);
    expect((await me()).storedIn).toBe("store");
    for (const bad of [
      {},
      { sku: "", qty: 1 },
      { sku: "a b", qty: 1 },
      { sku: "x", qty: 0 },
      { sku: "x", qty: 1.5 },
    ]) {
      expect((await json("POST", "/api/cart", bad)).status).toBe(400);
    }
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => json("POST", "/api/cart", { sku: `sku-${i}`, qty: i + 1 })),
    );
    const { items } = (await (await send("GET", "/api/cart")).json()) as { items: Record<string, number> };
    expect(Object.keys(items).length).toBe(21);
    expect(items["sku-19"]).toBe(20);
    expect((await send("DELETE", "/api/cart/book", { headers: { origin: ORIGIN } })).status).toBe(200);
    expect((await json("POST", "/api/login", { user: "shopper" })).status).toBe(200);
    const after = (await (await send("GET", "/api/cart")).json()) as { items: Record<string, number> };
    expect(Object.keys(after.items).length).toBe(20);
    expect(after.items.book).toBeUndefined();
    expect((await me()).user).toBe("shopper");
  });

  it("unknown API routes are a JSON 404", async () => {
    const response = await client().send("GET", "/api/nope");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "no such API route" });
  });
});

describe("safe flows (issue 18): the CSRF-token form, and a sensitive action needing a recent login", () => {
  const form = (body: Record<string, string>, headers: Record<string, string> = {}) => ({
    body: new URLSearchParams(body).toString(),
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: ORIGIN,
      "sec-fetch-site": "same-origin",
      ...headers,
    },
  });

  it("POST /form/note with the token from GET /api/csrf stores the note and redirects to the page", async () => {
    const { send, me } = client();
    const answer = await send("GET", "/api/csrf");
    expect(answer.headers.get("cache-control")).toContain("no-store");
    const { token } = (await answer.json()) as { token: string };
    expect(token).toMatch(/^[\w-]{43}$/);
    const saved = await send("POST", "/form/note", form({ note: "Remember the milk", _csrf: token }));
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe("/");
    expect((await me()).note).toBe("Remember the milk");
  });

  it("the form route refuses a missing or wrong token, a foreign origin, and other bodies", async () => {
    const { send, me } = client();
    const { token } = (await (await send("GET", "/api/csrf")).json()) as { token: string };
    const refused = async (init: { body?: string; headers?: Record<string, string> }) => {
      const response = await send("POST", "/form/note", init);
      return [response.status, await response.json()];
    };
    expect(await refused(form({ note: "x" }))).toEqual([403, { error: "csrf", reason: "missing_token" }]);
    expect(await refused(form({ note: "x", _csrf: `${token.slice(1)}A` }))).toEqual([
      403,
      { error: "csrf", reason: "bad_token" },
    ]);
    expect(
      await refused(
        form({ note: "x", _csrf: token }, { origin: "https://evil.example", "sec-fetch-site": "cross-site" }),
      ),
    ).toEqual([403, { error: "csrf", reason: "cross_origin" }]);
    // The token in a header passes the check; the route still takes forms only.
    const json = await send("POST", "/form/note", {
      body: JSON.stringify({ note: "x" }),
      headers: { "content-type": "application/json", origin: ORIGIN, "x-csrf-token": token },
    });
    expect(json.status).toBe(415);
    expect((await me()).note).toBeNull();
    // And the JSON API still refuses form bodies, token or not.
    const api = await send("POST", "/api/login", form({ user: "ada", _csrf: token }));
    expect(api.status).toBe(415);
  });

  it("the token changes on login: the page's old token is refused, the new one works", async () => {
    const { send, json } = client();
    const before = ((await (await send("GET", "/api/csrf")).json()) as { token: string }).token;
    await json("POST", "/api/login", { user: "csrf-user" });
    const after = ((await (await send("GET", "/api/csrf")).json()) as { token: string }).token;
    expect(after).not.toBe(before);
    expect((await send("POST", "/form/note", form({ note: "old", _csrf: before }))).status).toBe(403);
    expect((await send("POST", "/form/note", form({ note: "new", _csrf: after }))).status).toBe(303);
  });

  it("POST /api/sensitive: 401 anonymous, 200 right after login, 403 reauth_required 10 minutes later, 200 after logging in again", async () => {
    const { send, json, jar, me } = client();
    const anonymous = await send("POST", "/api/sensitive");
    expect(anonymous.status).toBe(401);
    await json("POST", "/api/login", { user: "sensitive" });
    const fresh = await send("POST", "/api/sensitive");
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toMatchObject({ ok: true, user: "sensitive" });
    const state = await me();
    expect(state.freshUntil! - state.authAt!).toBe(300_000);

    jar.set(COOKIE, await loggedInAgo(600, "sensitive"));
    const stale = await send("POST", "/api/sensitive");
    expect(stale.status).toBe(403);
    expect(await stale.json()).toEqual({ error: "reauth_required" });
    expect((await me()).user).toBe("sensitive");
    await json("POST", "/api/login", { user: "sensitive" });
    expect((await send("POST", "/api/sensitive")).status).toBe(200);
  });

  it("SESSION_FRESH_AGE sets the window", async () => {
    const { send, jar } = client({ ...env, SESSION_FRESH_AGE: "900" });
    jar.set(COOKIE, await loggedInAgo(600, "patient"));
    expect((await send("POST", "/api/sensitive")).status).toBe(200);
    const strict = client({ ...env, SESSION_FRESH_AGE: "60" });
    strict.jar.set(COOKIE, await loggedInAgo(120, "patient"));
    expect((await strict.send("POST", "/api/sensitive")).status).toBe(403);
  });
});

describe("logout is real (revocation on the SESSIONS KV)", () => {
  it("a cookie copied before logout comes back anonymous, with reason revoked", async () => {
    const { json, send, jar } = client();
    await json("POST", "/api/login", { user: "replayed" });
    const copy = jar.get(COOKIE)!;
    await send("POST", "/api/logout");
    const thief = client();
    thief.jar.set(COOKIE, copy);
    expect(await thief.me()).toMatchObject({ user: null, invalidReason: "revoked", views: 1 });
  });

  it("log out everywhere ends the user's sessions on other devices, not other users'", async () => {
    const laptop = client();
    const phone = client();
    const someoneElse = client();
    await laptop.json("POST", "/api/login", { user: "everywhere" });
    await phone.json("POST", "/api/login", { user: "everywhere" });
    await someoneElse.json("POST", "/api/login", { user: "bystander" });
    expect((await phone.me()).user).toBe("everywhere");

    expect((await laptop.send("POST", "/api/logout-all")).status).toBe(200);
    expect(await phone.me()).toMatchObject({ user: null, invalidReason: "revoked" });
    expect((await someoneElse.me()).user).toBe("bystander");
    // Logging in again afterwards works: the cutoff only covers sessions issued before it.
    await phone.json("POST", "/api/login", { user: "everywhere" });
    expect(await phone.me()).toMatchObject({ user: "everywhere", invalidReason: null });
  });
});

describe("your devices (the session registry, a Durable Object per user)", () => {
  type Listed = {
    sessions: { id: string; current: boolean; createdAt: number; lastSeenAt: number; label: string }[];
  };
  const login = async (c: ReturnType<typeof client>, user: string, userAgent: string) =>
    c.send("POST", "/api/login", {
      body: JSON.stringify({ user }),
      headers: { "content-type": "application/json", origin: ORIGIN, "user-agent": userAgent },
    });
  const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
  const SAFARI =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";

  it("lists the user's sessions newest first, ends one by handle (404 for another's), ends the others", async () => {
    const user = `ada-${crypto.randomUUID().slice(0, 8)}`;
    const [laptop, phone, tablet] = [client(), client(), client()];
    expect((await login(laptop, user, FIREFOX)).status).toBe(200);
    expect((await login(phone, user, SAFARI)).status).toBe(200);
    expect((await login(tablet, user, FIREFOX)).status).toBe(200);
    const listing = await laptop.send("GET", "/api/sessions");
    expect(listing.status).toBe(200);
    expect(listing.headers.get("cache-control")).toBe("private, no-store");
    const { sessions } = (await listing.json()) as Listed;
    expect(sessions.map((s) => [s.label, s.current])).toEqual([
      ["Firefox on Linux", false],
      ["Safari on iPhone", false],
      ["Firefox on Linux", true],
    ]);
    for (const s of sessions)
      expect(Object.keys(s).sort()).toEqual(["createdAt", "current", "id", "label", "lastSeenAt"]);
    const phoneHandle = sessions[1]!.id;
    const bob = client();
    await login(bob, `bob-${crypto.randomUUID().slice(0, 8)}`, FIREFOX);
    expect(
      (await bob.send("DELETE", `/api/sessions/${phoneHandle}`, { headers: { origin: ORIGIN } })).status,
    ).toBe(404);
    expect(
      (await laptop.send("DELETE", `/api/sessions/${phoneHandle}`, { headers: { origin: ORIGIN } })).status,
    ).toBe(200);
    expect(await phone.me()).toMatchObject({ user: null, invalidReason: "revoked" });
    expect((await laptop.me()).user).toBe(user);
    const others = await laptop.send("POST", "/api/sessions/revoke-others", { headers: { origin: ORIGIN } });
    expect(await others.json()).toEqual({ ended: 1 });
    expect(await tablet.me()).toMatchObject({ user: null, invalidReason: "revoked" });
    expect(((await (await laptop.send("GET", "/api/sessions")).json()) as Listed).sessions).toHaveLength(1);
  });

  it("answers 401 when anonymous; SESSION_MAX_PER_USER ends the oldest session at login", async () => {
    const anonymous = client();
    for (const [method, path] of [
      ["GET", "/api/sessions"],
      ["DELETE", "/api/sessions/x"],
      ["POST", "/api/sessions/revoke-others"],
    ] as const) {
      expect((await anonymous.send(method, path, { headers: { origin: ORIGIN } })).status).toBe(401);
    }
    const bindings = { ...env, SESSION_MAX_PER_USER: "2" };
    const user = `grace-${crypto.randomUUID().slice(0, 8)}`;
    const devices = [client(bindings), client(bindings), client(bindings)];
    for (const device of devices) await login(device, user, FIREFOX);
    expect(await devices[0]!.me()).toMatchObject({ user: null, invalidReason: "revoked" });
    expect((await devices[2]!.me()).user).toBe(user);
  });

  it("log out everywhere ends every registered session at once", async () => {
    const user = `linus-${crypto.randomUUID().slice(0, 8)}`;
    const [one, two] = [client(), client()];
    await login(one, user, FIREFOX);
    await login(two, user, SAFARI);
    expect((await one.send("POST", "/api/logout-all", { headers: { origin: ORIGIN } })).status).toBe(200);
    expect(await two.me()).toMatchObject({ user: null, invalidReason: "revoked" });
  });
});

describe("request rules", () => {
  it("a body that is not application/json is refused with 415", async () => {
    const { send } = client();
    const cases: [string, string, Record<string, string>][] = [
      ["POST", "/api/login", { "content-type": "text/plain" }],
      ["POST", "/api/login", { "content-type": "application/x-www-form-urlencoded" }],
      ["POST", "/api/logout", { "content-type": "multipart/form-data; boundary=x" }],
      ["PUT", "/api/data", {}],
    ];
    for (const [method, path, headers] of cases) {
      const response = await send(method, path, { body: '{"user":"x"}', headers });
      expect(response.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(415);
    }
    const charset = await send("POST", "/api/login", {
      body: '{"user":"ok"}',
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(charset.status).toBe(200);
  });

  it("a cross-site Origin or Sec-Fetch-Site is refused with 403", async () => {
    const { send, jar } = client();
    const refused: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "null" },
      { origin: "http://demo.example" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ];
    for (const headers of refused) {
      for (const [method, path] of [
        ["POST", "/api/logout"],
        ["POST", "/api/login"],
        ["GET", "/api/me"],
      ] as const) {
        const body = method === "POST" && path === "/api/login" ? '{"user":"mallory"}' : undefined;
        const response = await send(method, path, {
          body,
          headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
        });
        expect(response.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(403);
      }
    }
    expect(jar.names()).toEqual([]);
    const allowed: Record<string, string>[] = [
      { origin: ORIGIN },
      { "sec-fetch-site": "same-origin" },
      { "sec-fetch-site": "none" },
    ];
    for (const headers of allowed) {
      expect((await send("POST", "/api/logout", { headers })).status).toBe(200);
    }
  });
});

describe("configuration", () => {
  it("refuses to run without SESSION_SECRETS: an error page and a log line, with no secret in either", async () => {
    const logged: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => logged.push(args.join(" "));
    try {
      const bindings = { ...env, SESSION_SECRETS: undefined };
      const page = await client(bindings).send("GET", "/");
      expect(page.status).toBe(500);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await page.text()).toContain("wrangler secret put SESSION_SECRETS");
      for (const missing of [{ SESSION_SECRETS: " " }, { SESSION_NAMING_KEY: undefined }]) {
        const api = await client({ ...env, ...missing }).send("GET", "/api/me");
        expect(api.status).toBe(500);
        const { error } = (await api.json()) as { error: string };
        expect(error).toContain("SESSION_SECRETS or SESSION_NAMING_KEY is not set");
        expect(error).toContain("wrangler secret put SESSION_NAMING_KEY");
        expect(api.headers.getSetCookie()).toEqual([]);
      }
    } finally {
      console.error = original;
    }
    expect(logged.length).toBeGreaterThanOrEqual(3);
    expect(logged[0]).toContain("SESSION_SECRETS or SESSION_NAMING_KEY is not set");
    for (const line of logged) expect(line).not.toContain(env.SESSION_NAMING_KEY ?? "-");
  });

  it("a secret that is too short, or a bad lifetime, is a 500 that names the setting and not the value of a secret", async () => {
    const original = console.error;
    const logged: string[] = [];
    console.error = (...args: unknown[]) => logged.push(args.join(" "));
    try {
      const short = await client({ ...env, SESSION_SECRETS: "tooshort-but-secret" }).send("GET", "/api/me");
      expect(short.status).toBe(500);
      const message = ((await short.json()) as { error: string }).error;
      expect(message).toMatch(/at least 32/);
      expect(message + logged.join("\n")).not.toContain("tooshort-but-secret");
      const lifetime = await client({ ...env, SESSION_MAX_AGE: "two weeks" }).send("GET", "/api/me");
      expect(lifetime.status).toBe(500);
      expect(((await lifetime.json()) as { error: string }).error).toContain("SESSION_MAX_AGE");
    } finally {
      console.error = original;
    }
  });

  it("SESSION_IDLE_TIMEOUT=0 turns the idle timeout off; SESSION_MAX_AGE sets the lifetime", async () => {
    const state = await client({ ...env, SESSION_IDLE_TIMEOUT: "0", SESSION_MAX_AGE: "120" }).me();
    expect(state.idleExpiresAt).toBeNull();
    expect(state.expiresAt - state.issuedAt).toBe(120_000);
  });

  it("rotating SESSION_SECRETS keeps sessions; dropping the old secret shows why the cookie was rejected", async () => {
    const oldSecret = env.SESSION_SECRETS!;
    const { jar, json } = client();
    await json("POST", "/api/login", { user: "rotator" });
    const rotated = { ...env, SESSION_SECRETS: `${generateSecret()}, ${oldSecret}` };
    const kept = client(rotated);
    kept.jar.set(COOKIE, jar.get(COOKIE)!);
    expect(await kept.me()).toMatchObject({ user: "rotator", invalidReason: null });

    const dropped = client({ ...env, SESSION_SECRETS: generateSecret() });
    dropped.jar.set(COOKIE, jar.get(COOKIE)!);
    const state = await dropped.me();
    expect(state.user).toBeNull();
    expect(["unknown_key", "bad_seal"]).toContain(state.invalidReason);
  });
});

describe("the page", () => {
  it("serves plain HTML whose inline script and style carry the CSP nonce", async () => {
    const response = await client().send("GET", "/");
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    const html = await response.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    for (const path of ["/api/me", "/api/login", "/api/logout", "/api/logout-all", "/api/data"]) {
      expect(html).toContain(path);
    }
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});

describe("request bodies (issue 11 #4, #6): read in bytes up to the limit, and never a 500", () => {
  const LIMIT = 64 * 1024;
  const jsonHeaders = { "content-type": "application/json", origin: ORIGIN, "sec-fetch-site": "same-origin" };

  async function sendStream(path: string, body: ReadableStream<Uint8Array>) {
    const ctx = createExecutionContext();
    const init = { method: "PUT", body, headers: jsonHeaders, duplex: "half" } as RequestInit;
    const response = await demo.fetch(new Request(ORIGIN + path, init), env, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  }

  it("a chunked body without Content-Length over the limit is 413, and the rest is never read", async () => {
    const chunk = new TextEncoder().encode(`"${"x".repeat(16 * 1024 - 2)}"`);
    const total = 20 * 1024 * 1024;
    let pulled = 0;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk.slice());
      },
      cancel() {
        cancelled = true;
      },
    });
    const response = await sendStream("/api/data", body);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: `bodies are limited to ${LIMIT} bytes` });
    // Stopped just past the limit (a chunk or two read ahead), not after 20 MB.
    expect(pulled).toBeLessThan(LIMIT + 4 * chunk.byteLength);
    expect(cancelled).toBe(true);
  });

  it("the limit counts bytes: 40,000 two-byte characters (80 KB, 40 K UTF-16 units) are 413", async () => {
    const { send } = client();
    const body = JSON.stringify({ pad: "é".repeat(40_000) });
    expect(body.length).toBeLessThan(LIMIT);
    expect(new TextEncoder().encode(body).byteLength).toBeGreaterThan(LIMIT);
    const response = await send("POST", "/api/logout", { body, headers: jsonHeaders });
    expect(response.status).toBe(413);
    // Just under the limit in bytes is read.
    const fits = JSON.stringify({ pad: "é".repeat(30_000) });
    expect((await send("POST", "/api/logout", { body: fits, headers: jsonHeaders })).status).toBe(200);
  });

  it("PUT /api/data nested 6000 levels deep, or holding 1e400, is 400 and stores nothing", async () => {
    const { send, me } = client();
    for (const body of [
      `{"a":${"[".repeat(6000)}${"]".repeat(6000)}}`,
      `{"a":${'{"b":'.repeat(6000)}1${"}".repeat(6000)}}`,
      `{"a":${"[".repeat(63)}${"]".repeat(63)}}`,
      '{"big":1e400}',
    ]) {
      const response = await send("PUT", "/api/data", { body, headers: jsonHeaders });
      expect(response.status, body.slice(0, 20)).toBe(400);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    expect((await me()).stored).toBeNull();
    const shallow = await send("PUT", "/api/data", {
      body: `{"a":${"[".repeat(40)}${"]".repeat(40)}}`,
      headers: jsonHeaders,
    });
    expect(shallow.status).toBe(200);
  });

  it("any body to any JSON route is answered 2xx or 4xx, never 5xx (property)", async () => {
    const deep = fc
      .tuple(
        fc.integer({ min: 1, max: 20_000 }),
        fc.constantFrom(["[", "]"], ['{"a":', "}"], ['{"user":[', "]}"]),
      )
      .map(
        ([depth, [open, close]]) => `${open!.repeat(depth)}${open === "[" ? "" : "0"}${close!.repeat(depth)}`,
      );
    const odd = fc.constantFrom(
      "1e400",
      '{"user":1e400}',
      '{"big":-1e400,"small":1e-400}',
      '{"__proto__":{"user":"x"},"constructor":{"prototype":{}}}',
      '{"user":"\\u0000\\ud800"}',
      '"\\ufeff"',
      "\ufeff{}",
      "null",
      "",
    );
    const body = fc.oneof(
      fc.json({ maxDepth: 8 }),
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify({ user: value, data: value })),
      deep,
      odd,
      fc.string({ maxLength: 200 }),
      fc.integer({ min: LIMIT - 64, max: LIMIT + 64 }).map((size) => `{"p":"${"x".repeat(size - 8)}"}`),
    );
    const route = fc.constantFrom(
      ["POST", "/api/login"],
      ["PUT", "/api/data"],
      ["POST", "/api/logout"],
      ["POST", "/api/logout-all"],
      ["POST", "/api/token"],
      ["PATCH", "/api/me"],
    );
    await fc.assert(
      fc.asyncProperty(route, body, fc.boolean(), async ([method, path], text, loggedIn) => {
        const { send, json } = client();
        if (loggedIn) await json("POST", "/api/login", { user: "prop" });
        const response = await send(method!, path!, { body: text, headers: jsonHeaders });
        expect(response.status, `${method} ${path} ${text.slice(0, 40)}`).toBeGreaterThanOrEqual(200);
        expect(response.status, `${method} ${path} ${text.slice(0, 40)}`).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});
