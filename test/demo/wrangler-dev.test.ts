// Starts the real `wrangler dev` (local mode, no account) on a free port and drives the demo's JSON
// API over HTTP with a cookie jar. The server is always stopped, also when a test fails.
import { randomBytes } from "node:crypto";
import { createSessions, generateSecret } from "sealed-session";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSigningKeyJwk } from "../../scripts/gen-signing-key.mjs";
import { startWranglerDev, type WranglerDev } from "../support/wrangler-dev.ts";
import { CookieJar } from "./cookie-jar.ts";

const COOKIE = "__Host-session";
/** Known to the test, so it can seal a session that logged in minutes ago (issue 18). */
const SECRET = generateSecret();
/** Seconds since the last login that POST /api/sensitive accepts in this run. */
const FRESH_AGE = 60;

let server: WranglerDev | undefined;
let base = "";

beforeAll(async () => {
  // Serve the sources (no snapshot): this test is what proves `wrangler dev` runs the demo as-is.
  server = await startWranglerDev({
    // A signing key of this run only, for the token routes (`npm start` writes one to .dev.vars).
    vars: {
      SESSION_MAX_AGE: "600",
      SESSION_IDLE_TIMEOUT: "300",
      SESSION_SECRETS: SECRET,
      SESSION_FRESH_AGE: String(FRESH_AGE),
      TOKEN_SIGNING_KEYS: await generateSigningKeyJwk(),
    },
    snapshot: false,
  });
  base = server.base;
  // Room for startWranglerDev's own deadline (120 s), which says what wrangler printed.
}, 150_000);

afterAll(async () => {
  await server?.stop();
}, 10_000);

// Real HTTP to another process, whose first KV access opens its store: more than vitest's 5 s default.
describe("the demo under wrangler dev", { timeout: 30_000 }, () => {
  const jar = new CookieJar();
  const send = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(base + path, { method, body, headers: jar.headers(headers), redirect: "manual" }).then((response) =>
      jar.store(response),
    );
  const json = (method: string, path: string, value: unknown) =>
    send(method, path, JSON.stringify(value), { "content-type": "application/json", origin: base });
  const me = async () => (await (await send("GET", "/api/me")).json()) as Record<string, unknown>;

  it("serves the page", async () => {
    const page = await send("GET", "/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("sealed-session demo");
  });

  it("counts views in a cookie session, logs in and out", async () => {
    expect(await me()).toMatchObject({ user: null, views: 1, isNew: true });
    expect(jar.names()).toEqual([COOKIE]);
    const second = await me();
    expect(second).toMatchObject({ views: 2, isNew: false, invalidReason: null });
    expect((second.expiresAt as number) - (second.issuedAt as number)).toBe(600_000);

    const login = await json("POST", "/api/login", { user: "ada" });
    expect(login.status).toBe(200);
    expect(await login.json()).toEqual({ user: "ada" });
    expect(await me()).toMatchObject({ user: "ada", views: 3 });

    const copy = jar.get(COOKIE)!;
    const logout = await send("POST", "/api/logout");
    expect(logout.status).toBe(200);
    expect(jar.names()).toEqual([]);
    // The logout was recorded in KV: a copy of the old cookie is anonymous now.
    const replay = await fetch(`${base}/api/me`, { headers: { cookie: `${COOKIE}=${copy}` } });
    expect(await replay.json()).toMatchObject({ user: null, invalidReason: "revoked" });
    expect(await me()).toMatchObject({ user: null, views: 1 });
    expect((await send("POST", "/api/logout-all")).status).toBe(401);
  });

  it("lists and ends a user's sessions (the registry's Durable Object under wrangler dev)", async () => {
    const device = () => {
      const own = new CookieJar();
      const call = (method: string, path: string, body?: unknown) =>
        fetch(base + path, {
          method,
          body: body === undefined ? undefined : JSON.stringify(body),
          headers: own.headers(
            body === undefined ? { origin: base } : { "content-type": "application/json", origin: base },
          ),
        }).then((response) => own.store(response));
      return call;
    };
    const user = `wd-${randomBytes(4).toString("hex")}`;
    const [laptop, phone] = [device(), device()];
    expect((await laptop("POST", "/api/login", { user })).status).toBe(200);
    expect((await phone("POST", "/api/login", { user })).status).toBe(200);
    const { sessions } = (await (await laptop("GET", "/api/sessions")).json()) as {
      sessions: { id: string; current: boolean }[];
    };
    // Newest first: the phone logged in last.
    expect(sessions.map((s) => s.current)).toEqual([false, true]);
    expect((await laptop("DELETE", `/api/sessions/${sessions[0]!.id}`)).status).toBe(200);
    expect((await laptop("DELETE", `/api/sessions/${sessions[0]!.id}`)).status).toBe(404);
    expect(await (await phone("GET", "/api/me")).json()).toMatchObject({
      user: null,
      invalidReason: "revoked",
    });
    expect((await laptop("POST", "/api/sessions/revoke-others")).status).toBe(200);
    expect(await (await laptop("GET", "/api/me")).json()).toMatchObject({ user });
  });

  it("a CLI-like client refreshes 20 times; a replay of an old refresh token ends everything (issue 17)", async () => {
    type Pair = { token: string; expiresAt: number; refreshToken: string; refreshExpiresAt: number };
    // The CLI logs in once through the cookie API, asks for a refresh-token family, then drops the cookie.
    const browser = new CookieJar();
    const post = (path: string, body: unknown, jar?: CookieJar) =>
      fetch(base + path, {
        method: "POST",
        body: JSON.stringify(body),
        headers: jar
          ? jar.headers({ "content-type": "application/json", origin: base })
          : { "content-type": "application/json", "user-agent": "demo-cli/1.0" },
      }).then((response) => (jar ? jar.store(response) : response));
    const bearer = (token: string) =>
      fetch(`${base}/api/token/me`, { headers: { authorization: `Bearer ${token}` } });
    const user = `cli-${randomBytes(4).toString("hex")}`;
    expect((await post("/api/login", { user }, browser)).status).toBe(200);
    const issued = await post("/api/token", { refresh: true, label: "demo CLI" }, browser);
    expect(issued.status).toBe(200);
    const first = (await issued.json()) as Pair;
    expect(Object.keys(first).sort()).toEqual(["expiresAt", "refreshExpiresAt", "refreshToken", "token"]);

    const spent: string[] = [];
    let pair = first;
    for (let i = 0; i < 20; i++) {
      const response = await post("/api/token/refresh", { refreshToken: pair.refreshToken });
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-store");
      spent.push(pair.refreshToken);
      pair = (await response.json()) as Pair;
      expect(pair.refreshExpiresAt).toBe(first.refreshExpiresAt);
      const who = await bearer(pair.token);
      expect(who.status).toBe(200);
      expect(await who.json()).toMatchObject({ user });
    }
    expect(new Set([...spent, pair.refreshToken]).size).toBe(21);

    // An attacker replays a refresh token the CLI spent long ago.
    const replay = await post("/api/token/refresh", { refreshToken: spent[3] });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({ error: "refresh_reused" });
    // Everything is over: the CLI's newest refresh token, its newest access token, and the browser
    // session the family came from.
    const newest = await post("/api/token/refresh", { refreshToken: pair.refreshToken });
    expect(newest.status).toBe(401);
    expect(await newest.json()).toEqual({ error: "revoked" });
    expect(await (await bearer(pair.token)).json()).toEqual({ error: "revoked" });
    const me = await fetch(`${base}/api/me`, { headers: browser.headers() });
    expect(await me.json()).toMatchObject({ user: null, invalidReason: "revoked" });
  });

  it("POST /api/sensitive needs a login within SESSION_FRESH_AGE; logging in again satisfies it (issue 18)", async () => {
    const device = new CookieJar();
    const post = (path: string, body?: string) =>
      fetch(base + path, {
        method: "POST",
        body,
        headers: device.headers(body ? { "content-type": "application/json", origin: base } : {}),
      }).then((response) => device.store(response));
    expect((await post("/api/sensitive")).status).toBe(401);
    // Logged in twice the fresh age ago (sealed with the run's secret, as the Worker would have).
    const past = createSessions({ secrets: SECRET, now: () => Date.now() - 2 * FRESH_AGE * 1000 });
    const old = await past.load(new Request(base));
    old.login("grace");
    const headers = new Headers();
    await past.commit(old, headers);
    const pair = (headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
    device.set(COOKIE, pair.slice(pair.indexOf("=") + 1));
    const stale = await post("/api/sensitive");
    expect(stale.status).toBe(403);
    expect(await stale.json()).toEqual({ error: "reauth_required" });
    expect((await post("/api/login", JSON.stringify({ user: "grace" }))).status).toBe(200);
    const fresh = await post("/api/sensitive");
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toMatchObject({ ok: true, user: "grace" });
  });

  it("the page's HTML form: POST /form/note with the CSRF token, refused without it (issue 18)", async () => {
    const { token } = (await (await send("GET", "/api/csrf")).json()) as { token: string };
    const note = (body: Record<string, string>) =>
      send("POST", "/form/note", new URLSearchParams(body).toString(), {
        "content-type": "application/x-www-form-urlencoded",
        origin: base,
      });
    expect((await note({ note: "no token" })).status).toBe(403);
    const saved = await note({ note: "from a form", _csrf: token });
    expect(saved.status).toBe(303);
    expect(await me()).toMatchObject({ note: "from a form" });
  });

  it("applies the request rules: 415, 403, 400", async () => {
    expect((await send("POST", "/api/login", "user=ada", { "content-type": "text/plain" })).status).toBe(415);
    expect((await send("POST", "/api/logout", undefined, { origin: "https://evil.example" })).status).toBe(
      403,
    );
    expect((await send("POST", "/api/logout", undefined, { "sec-fetch-site": "cross-site" })).status).toBe(
      403,
    );
    const bad = await json("POST", "/api/login", {});
    expect(bad.status).toBe(400);
    expect(await bad.json()).toHaveProperty("error");
  });

  it("a session grown with PUT /api/data moves to the store; 20 parallel cart adds with one cookie all land", async () => {
    const blob = randomBytes(45_000).toString("base64"); // 60,000 characters, far past the cookie
    const put = await json("PUT", "/api/data", { blob });
    expect(put.status).toBe(200);
    expect(jar.names()).toEqual([COOKIE]);
    expect((jar.get(COOKIE) ?? "").length).toBeLessThan(1024);
    expect(await me()).toMatchObject({ stored: { blob }, storedIn: "store" });
    expect((await json("POST", "/api/cart", { sku: "first", qty: 1 })).status).toBe(200);
    const adds = await Promise.all(
      Array.from({ length: 20 }, (_, i) => json("POST", "/api/cart", { sku: `sku-${i}`, qty: 1 })),
    );
    expect(adds.every((response) => response.status === 200)).toBe(true);
    const { items } = (await (await send("GET", "/api/cart")).json()) as { items: Record<string, number> };
    expect(Object.keys(items).length).toBe(21);
  });
});
