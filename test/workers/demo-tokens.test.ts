// The demo's bearer tokens (issue 8's contract), inside workerd: issued from a cookie session,
// verified by another service with plain jose and the published JWKS alone, revoked by logout.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createLocalJWKSet, jwtVerify } from "jose";
import { expect, it } from "vitest";
import demo from "../../demo-worker/src/index.ts";
import { CookieJar } from "../demo/cookie-jar.ts";
import { flipSignature } from "../support/http.ts";

const ORIGIN = "https://demo.example";
const same = { origin: ORIGIN, "sec-fetch-site": "same-origin" };

function client() {
  const jar = new CookieJar();
  async function send(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
    const ctx = createExecutionContext();
    const init: RequestInit = { method, headers: jar.headers({ ...same, ...headers }) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Headers).set("content-type", "application/json");
    }
    const response = await demo.fetch(new Request(ORIGIN + path, init), env, ctx);
    await waitOnExecutionContext(ctx);
    return jar.store(response);
  }
  return { send };
}

async function bearer(token: string) {
  const ctx = createExecutionContext();
  const response = await demo.fetch(
    new Request(`${ORIGIN}/api/token/me`, { headers: { authorization: `Bearer ${token}` } }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

it("POST /api/token is 401 for an anonymous session", async () => {
  const response = await client().send("POST", "/api/token");
  expect(response.status).toBe(401);
});

it("a logged-in user gets a signed token that plain jose verifies with the JWKS alone", async () => {
  const { send } = client();
  expect((await send("POST", "/api/login", {}, { user: "ada" })).status).toBe(200);
  const issued = await send("POST", "/api/token");
  expect(issued.status).toBe(200);
  const { token, expiresAt } = (await issued.json()) as { token: string; expiresAt: number };
  const jwks = await (
    await demo.fetch(new Request(`${ORIGIN}/.well-known/jwks.json`), env, createExecutionContext())
  ).json();
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks as { keys: [] }), {
    issuer: "sealed-session-demo",
    audience: "sealed-session-demo-api",
    algorithms: ["EdDSA"],
  });
  expect(protectedHeader.alg).toBe("EdDSA");
  expect(payload.sub).toBe("ada");
  expect(payload.exp).toBe(expiresAt);
  expect(typeof payload.sid).toBe("string");
  expect(JSON.stringify(jwks)).not.toContain('"d"');

  const me = await bearer(token);
  expect(me.status).toBe(200);
  // Whose token it is: never for a cache (issue 11 #8).
  expect(me.headers.get("cache-control")).toBe("no-store");
  expect(await me.json()).toMatchObject({ user: "ada" });
});

it("GET /api/token/me takes only a bearer token, and logout revokes the token", async () => {
  const { send } = client();
  await send("POST", "/api/login", {}, { user: "grace" });
  const { token } = (await (await send("POST", "/api/token")).json()) as { token: string };
  // The session cookie alone is not a bearer token.
  expect((await send("GET", "/api/token/me")).status).toBe(401);
  expect((await bearer(flipSignature(token))).status).toBe(401);
  expect((await bearer(token)).status).toBe(200);
  await send("POST", "/api/logout");
  const after = await bearer(token);
  expect(after.status).toBe(401);
  expect(await after.json()).toMatchObject({ error: "revoked" });
});
