import { Hono } from "hono";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import {
  generateSigningKey,
  memoryRevocationStore,
  type SessionsOptions,
  sessionTokens,
} from "sealed-session";
import { jwksRoute, type SessionEnv, sessions } from "sealed-session/hono";
import { describe, expect, it } from "vitest";
import {
  DEMO_AUDIENCE,
  DEMO_ISSUER,
  demoSessionTokens,
  demoSigningKeys,
  tokenRoutes,
} from "../../demo-worker/src/tokens.ts";
import { ManagerCache } from "../../src/workers/manager-cache.ts";
import { flipSignature } from "../support/http.ts";

interface Env {
  SESSION_SECRETS: string;
  TOKEN_SIGNING_KEYS?: string;
}

/** The demo's shape: sessions middleware on /api, the token routes mounted in one line each. */
function demoApp(revoke = memoryRevocationStore()) {
  const optionsByEnv = new WeakMap<object, SessionsOptions>();
  const sessionOptions = (env: Env) => {
    let options = optionsByEnv.get(env);
    if (!options) {
      options = { secrets: env.SESSION_SECRETS, revocation: revoke, tokens: demoSessionTokens(env) };
      optionsByEnv.set(env, options);
    }
    return options;
  };
  const api = new Hono<{ Bindings: Env } & SessionEnv>()
    .use(sessions((c) => sessionOptions(c.env as Env)))
    .post("/login", (c) => {
      c.var.session.login("alice");
      return c.json({ user: "alice" });
    })
    .post("/logout", (c) => {
      c.var.session.destroy();
      return c.json({ user: null });
    })
    .post("/logout-all", async (c) => {
      await c.var.sessions.revokeUser(c.var.session.userId ?? "");
      c.var.session.destroy();
      return c.json({ user: null });
    })
    .route("/token", tokenRoutes())
    .all("*", (c) => c.json({ error: "no such API route" }, 404));
  const app = new Hono<{ Bindings: Env }>();
  app.route("/api", api);
  app.get(
    "/.well-known/jwks.json",
    jwksRoute((c) => demoSigningKeys(c.env as Env)),
  );
  return app;
}

async function environment(): Promise<Env> {
  return {
    SESSION_SECRETS: "a-demo-secret-of-at-least-32-characters!",
    TOKEN_SIGNING_KEYS: (await generateSigningKey()).privateJwk,
  };
}

async function loggedIn(app: Hono<{ Bindings: Env }>, env: Env): Promise<string> {
  const response = await app.request("/api/login", { method: "POST" }, env);
  expect(response.status).toBe(200);
  return response.headers.getSetCookie()[0]!.split(";")[0]!;
}

const get = (app: Hono<{ Bindings: Env }>, env: Env, path: string, headers: Record<string, string> = {}) =>
  app.request(path, { headers }, env);

describe("demo token routes on Hono with the real sessions middleware", () => {
  it("POST /api/token is 401 when anonymous, 200 {token, expiresAt} when logged in", async () => {
    const app = demoApp();
    const env = await environment();
    const anonymous = await app.request("/api/token", { method: "POST" }, env);
    expect(anonymous.status).toBe(401);
    const cookie = await loggedIn(app, env);
    const issued = await app.request("/api/token", { method: "POST", headers: { cookie } }, env);
    expect(issued.status).toBe(200);
    expect(issued.headers.get("cache-control")).toContain("no-store");
    const body = (await issued.json()) as { token: string; expiresAt: number };
    expect(Object.keys(body).sort()).toEqual(["expiresAt", "token"]);
    expect(decodeProtectedHeader(body.token)).toMatchObject({ alg: "EdDSA", typ: "sealed-session+jwt" });
    expect(body.expiresAt - (decodeJwt(body.token).iat ?? 0)).toBe(300);
  });

  it("GET /api/token/me accepts the bearer token only; the JWKS alone verifies it elsewhere", async () => {
    const app = demoApp();
    const env = await environment();
    const cookie = await loggedIn(app, env);
    const { token } = (await (
      await app.request("/api/token", { method: "POST", headers: { cookie } }, env)
    ).json()) as {
      token: string;
    };
    const me = await get(app, env, "/api/token/me", { authorization: `Bearer ${token}` });
    expect(me.status).toBe(200);
    expect(me.headers.get("cache-control")).toBe("no-store");
    expect(await me.json()).toMatchObject({ user: "alice", issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE });

    const cookieOnly = await get(app, env, "/api/token/me", { cookie });
    expect(cookieOnly.status).toBe(401);
    expect(cookieOnly.headers.get("www-authenticate")).toBe("Bearer");
    expect(await cookieOnly.json()).toEqual({ error: "missing" });
    const cookieAsBearer = await get(app, env, "/api/token/me", {
      authorization: `Bearer ${cookie.slice(cookie.indexOf("=") + 1)}`,
    });
    expect(cookieAsBearer.status).toBe(401);
    expect(await cookieAsBearer.json()).toEqual({ error: "wrong_type" });
    const tampered = await get(app, env, "/api/token/me", {
      authorization: `Bearer ${flipSignature(token)}`,
    });
    expect(tampered.status).toBe(401);
    expect(tampered.headers.get("www-authenticate")).toContain('error="invalid_token"');
    // A bearer token offered as the cookie is not a session.
    const asCookie = await app.request(
      "/api/token",
      { method: "POST", headers: { cookie: `__Host-session=${token}` } },
      env,
    );
    expect(asCookie.status).toBe(401);

    const jwksResponse = await get(app, env, "/.well-known/jwks.json");
    expect(jwksResponse.status).toBe(200);
    expect(jwksResponse.headers.get("cache-control")).toBe("public, max-age=300");
    const jwks = await jwksResponse.json();
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as { keys: [] }), {
      algorithms: ["EdDSA"],
      issuer: DEMO_ISSUER,
      audience: DEMO_AUDIENCE,
    });
    expect(payload.sub).toBe("alice");
  });

  it("logout revokes the session's tokens, and log-out-everywhere the user's, with the JWKS fetched first", async () => {
    const app = demoApp();
    const env = await environment();
    expect((await get(app, env, "/.well-known/jwks.json")).status).toBe(200);
    const tokenOf = async (cookie: string) =>
      (
        (await (await app.request("/api/token", { method: "POST", headers: { cookie } }, env)).json()) as {
          token: string;
        }
      ).token;
    const phone = await loggedIn(app, env);
    const laptop = await loggedIn(app, env);
    const phoneToken = await tokenOf(phone);
    const laptopToken = await tokenOf(laptop);
    await app.request("/api/logout", { method: "POST", headers: { cookie: phone } }, env);
    const revoked = await get(app, env, "/api/token/me", { authorization: `Bearer ${phoneToken}` });
    expect(await revoked.json()).toEqual({ error: "revoked" });
    const stillValid = await get(app, env, "/api/token/me", { authorization: `Bearer ${laptopToken}` });
    expect(stillValid.status).toBe(200);
    await app.request("/api/logout-all", { method: "POST", headers: { cookie: laptop } }, env);
    const allRevoked = await get(app, env, "/api/token/me", { authorization: `Bearer ${laptopToken}` });
    expect(allRevoked.status).toBe(401);
    expect(await allRevoked.json()).toEqual({ error: "revoked" });
    // A new login right after is not caught by the cutoff.
    const again = await tokenOf(await loggedIn(app, env));
    expect((await get(app, env, "/api/token/me", { authorization: `Bearer ${again}` })).status).toBe(200);
  });

  it("a missing signing key is a ConfigError naming the fix, not a silent 500 on tokens", async () => {
    const app = demoApp();
    const env = { SESSION_SECRETS: "a-demo-secret-of-at-least-32-characters!" };
    let caught: unknown;
    app.onError((error, c) => {
      caught = error;
      return c.json({ error: "misconfigured" }, 500);
    });
    const response = await get(app, env, "/.well-known/jwks.json");
    expect(response.status).toBe(500);
    expect(String(caught)).toContain("TOKEN_SIGNING_KEYS is not set");
    // The token routes say the same; the sessions themselves still work without a signing key.
    caught = undefined;
    const cookie = await loggedIn(app, env);
    expect((await app.request("/api/token", { method: "POST", headers: { cookie } }, env)).status).toBe(500);
    expect(String(caught)).toContain("TOKEN_SIGNING_KEYS is not set");
  });
});

describe("sessionTokens in options built per request", () => {
  it("equal options share one manager (no key import per request)", async () => {
    const cache = new ManagerCache();
    const env = await environment();
    const options = () => ({
      secrets: env.SESSION_SECRETS,
      tokens: sessionTokens({
        signingKeys: env.TOKEN_SIGNING_KEYS,
        issuer: DEMO_ISSUER,
        audience: DEMO_AUDIENCE,
      }),
    });
    const first = cache.get(options());
    expect(cache.get(options())).toBe(first);
    expect(cache.builds).toBe(1);
  });
});
