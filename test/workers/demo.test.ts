// The demo Worker's contract (docs/demo.md), through its fetch with the bindings of wrangler.toml.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { generateSecret } from "sealed-session";
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
};

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

  it("PUT /api/data grows the session into chunks that read back, and shrinking clears them", async () => {
    const { json, me, jar } = client();
    const raw = crypto.getRandomValues(new Uint8Array(6000));
    const blob = btoa(String.fromCharCode(...raw));
    const put = await json("PUT", "/api/data", { blob });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ stored: 1 });
    expect(jar.names().length).toBeGreaterThanOrEqual(3);
    expect(jar.names().every((name) => /^__Host-session\.\d$/.test(name))).toBe(true);
    expect((await me()).stored).toEqual({ blob });

    await json("PUT", "/api/data", { small: true });
    expect(jar.names()).toEqual([COOKIE]);
    expect((await me()).stored).toEqual({ small: true });
  });

  it("PUT /api/data refuses what is not an object, and a session too large for its cookies (413)", async () => {
    const { json, me } = client();
    for (const body of [[1, 2], "text", 5, null])
      expect((await json("PUT", "/api/data", body)).status).toBe(400);
    const raw = crypto.getRandomValues(new Uint8Array(30_000));
    const huge = await json("PUT", "/api/data", { blob: btoa(String.fromCharCode(...raw)) });
    expect(huge.status).toBe(413);
    expect(huge.headers.getSetCookie()).toEqual([]);
    expect((await me()).stored).toBeNull();
  });

  it("unknown API routes are a JSON 404", async () => {
    const response = await client().send("GET", "/api/nope");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "no such API route" });
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
      const api = await client({ ...env, SESSION_SECRETS: " " }).send("GET", "/api/me");
      expect(api.status).toBe(500);
      expect(((await api.json()) as { error: string }).error).toContain("SESSION_SECRETS is not set");
      expect(api.headers.getSetCookie()).toEqual([]);
    } finally {
      console.error = original;
    }
    expect(logged.length).toBeGreaterThanOrEqual(2);
    expect(logged[0]).toContain("SESSION_SECRETS is not set");
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
