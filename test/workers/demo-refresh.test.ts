// The demo's refresh tokens (issue 17's contract), inside workerd on the registry's Durable Object:
// POST /api/token {"refresh": true}, POST /api/token/refresh, reuse, logout and "log out everywhere".
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import demo from "../../demo-worker/src/index.ts";
import { CookieJar } from "../demo/cookie-jar.ts";

const ORIGIN = "https://demo.example";
const same = { origin: ORIGIN, "sec-fetch-site": "same-origin" };
const unique = () => crypto.randomUUID().slice(0, 8);

type Pair = { token: string; expiresAt: number; refreshToken: string; refreshExpiresAt: number };

async function call(path: string, init: { method?: string; headers?: Headers; body?: unknown } = {}) {
  const headers = init.headers ?? new Headers(same);
  let body: string | undefined;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers.set("content-type", "application/json");
  }
  const ctx = createExecutionContext();
  const response = await demo.fetch(
    new Request(ORIGIN + path, { method: init.method ?? "GET", headers, body }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** A browser: cookies, same-origin. */
function browser() {
  const jar = new CookieJar();
  return async (method: string, path: string, body?: unknown) =>
    jar.store(await call(path, { method, body, headers: jar.headers(same) }));
}

/** A client without cookies: refresh tokens in the body, access tokens in Authorization. */
const exchange = (refreshToken: string) =>
  call("/api/token/refresh", { method: "POST", body: { refreshToken } });
const me = (token: string) =>
  call("/api/token/me", { headers: new Headers({ authorization: `Bearer ${token}` }) });

async function family(send: ReturnType<typeof browser>, label?: string): Promise<Pair> {
  const response = await send("POST", "/api/token", { refresh: true, label });
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toBe("no-store");
  return (await response.json()) as Pair;
}

it("POST /api/token with refresh: a pair in epoch seconds, a device of its own; 401 when anonymous", async () => {
  expect((await browser()("POST", "/api/token", { refresh: true })).status).toBe(401);
  const send = browser();
  const user = `ada-${unique()}`;
  await send("POST", "/api/login", { user });
  const pair = await family(send, "Ada's CLI");
  expect(Object.keys(pair).sort()).toEqual(["expiresAt", "refreshExpiresAt", "refreshToken", "token"]);
  const now = Date.now() / 1000;
  expect(pair.expiresAt).toBeGreaterThan(now);
  expect(pair.expiresAt).toBeLessThanOrEqual(now + 301);
  expect(pair.refreshExpiresAt).toBeGreaterThan(pair.expiresAt);
  const { sessions } = (await (await send("GET", "/api/sessions")).json()) as {
    sessions: { label: string; current: boolean }[];
  };
  expect(sessions.map((s) => [s.label, s.current])).toEqual([
    ["Ada's CLI", false],
    [expect.any(String), true],
  ]);
  expect(await (await me(pair.token)).json()).toMatchObject({ user });
  // A plain token request still answers as before.
  expect(Object.keys(await (await send("POST", "/api/token")).json()).sort()).toEqual(["expiresAt", "token"]);
});

it("POST /api/token/refresh rotates; a spent token is 401 refresh_reused and ends the family and its parent", async () => {
  const send = browser();
  const user = `grace-${unique()}`;
  await send("POST", "/api/login", { user });
  const first = await family(send);
  const second = (await (await exchange(first.refreshToken)).json()) as Pair;
  expect(second.refreshToken).not.toBe(first.refreshToken);
  expect((await me(second.token)).status).toBe(200);
  const third = (await (await exchange(second.refreshToken)).json()) as Pair;
  const reused = await exchange(first.refreshToken);
  expect(reused.status).toBe(401);
  expect(await reused.json()).toEqual({ error: "refresh_reused" });
  expect(await (await exchange(third.refreshToken)).json()).toEqual({ error: "revoked" });
  expect(await (await me(third.token)).json()).toEqual({ error: "revoked" });
  expect(await (await send("GET", "/api/me")).json()).toMatchObject({ user: null, invalidReason: "revoked" });
  const missing = await call("/api/token/refresh", { method: "POST", body: {} });
  expect(missing.status).toBe(400);
});

it("logout, and log out everywhere, end refresh tokens and their access tokens", async () => {
  const user = `hopper-${unique()}`;
  const laptop = browser();
  await laptop("POST", "/api/login", { user });
  const fromLaptop = await family(laptop);
  const phone = browser();
  await phone("POST", "/api/login", { user });
  const fromPhone = await family(phone);
  // The laptop logs out: its own family ends, the phone's stays.
  expect((await laptop("POST", "/api/logout")).status).toBe(200);
  expect(await (await exchange(fromLaptop.refreshToken)).json()).toEqual({ error: "revoked" });
  expect((await me(fromLaptop.token)).status).toBe(401);
  const phoneNext = (await (await exchange(fromPhone.refreshToken)).json()) as Pair;
  expect((await me(phoneNext.token)).status).toBe(200);
  // Log out everywhere from the phone: every family of the user ends.
  const tablet = browser();
  await tablet("POST", "/api/login", { user });
  const fromTablet = await family(tablet);
  expect((await phone("POST", "/api/logout-all")).status).toBe(200);
  for (const pair of [phoneNext, fromTablet]) {
    expect(await (await exchange(pair.refreshToken)).json()).toEqual({ error: "revoked" });
    expect((await me(pair.token)).status).toBe(401);
  }
});

it("POST /api/token/revoke: a client logging out ends its family", async () => {
  const send = browser();
  await send("POST", "/api/login", { user: `lin-${unique()}` });
  const pair = await family(send);
  const revoke = (refreshToken: string) =>
    call("/api/token/revoke", { method: "POST", body: { refreshToken } });
  expect(await (await revoke(pair.refreshToken)).json()).toEqual({ revoked: true });
  expect(await (await exchange(pair.refreshToken)).json()).toEqual({ error: "revoked" });
  expect((await me(pair.token)).status).toBe(401);
  expect(await (await revoke(pair.refreshToken)).json()).toEqual({ revoked: false });
  expect((await send("GET", "/api/me")).status).toBe(200);
});
