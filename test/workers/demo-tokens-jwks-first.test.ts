// Issue 11 #1: a verifying service fetches the JWKS before anyone logs in, so an isolate's first
// request can be the JWKS. That order must not change what logout reaches. Its own file: each test
// file gets a fresh workerd isolate, so the JWKS below really is this module's first request.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, expect, it } from "vitest";
import demo from "../../demo-worker/src/index.ts";
import { CookieJar } from "../demo/cookie-jar.ts";

const ORIGIN = "https://demo.example";
const same = { origin: ORIGIN, "sec-fetch-site": "same-origin" };

async function call(request: Request) {
  const ctx = createExecutionContext();
  const response = await demo.fetch(request, env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

function client() {
  const jar = new CookieJar();
  return async (method: string, path: string, body?: unknown) => {
    const headers = jar.headers(same);
    if (body !== undefined) headers.set("content-type", "application/json");
    const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    return jar.store(await call(new Request(ORIGIN + path, init)));
  };
}

const bearer = (token: string) =>
  call(new Request(`${ORIGIN}/api/token/me`, { headers: { authorization: `Bearer ${token}` } }));

async function loggedInToken(send: ReturnType<typeof client>, user: string): Promise<string> {
  expect((await send("POST", "/api/login", { user })).status).toBe(200);
  const issued = await send("POST", "/api/token");
  expect(issued.status).toBe(200);
  const { token } = (await issued.json()) as { token: string };
  expect((await bearer(token)).status).toBe(200);
  return token;
}

beforeAll(async () => {
  const jwks = await call(new Request(`${ORIGIN}/.well-known/jwks.json`));
  expect(jwks.status).toBe(200);
  expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBe(1);
});

it("JWKS first, then login → token → logout-all: the token is refused", async () => {
  const send = client();
  const token = await loggedInToken(send, "jwks-first-all");
  expect((await send("POST", "/api/logout-all")).status).toBe(200);
  const after = await bearer(token);
  expect(after.status).toBe(401);
  expect(await after.json()).toEqual({ error: "revoked" });
});

it("JWKS first, then login → token → logout: the token is refused", async () => {
  const send = client();
  const token = await loggedInToken(send, "jwks-first-one");
  expect((await send("POST", "/api/logout")).status).toBe(200);
  const after = await bearer(token);
  expect(after.status).toBe(401);
  expect(await after.json()).toEqual({ error: "revoked" });
});
