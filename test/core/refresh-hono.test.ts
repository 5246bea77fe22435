// refreshRoute(): the Hono handler of a refresh endpoint, driven with app.request.
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { generateSecret, type RegistryStore, type SessionsOptions, sessionTokens } from "sealed-session";
import { bearerAuth, refreshRoute, sessions } from "sealed-session/hono";
import { memoryRegistry } from "sealed-session/registry";
import { describe, expect, it } from "vitest";

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

function app(registry: RegistryStore = memoryRegistry()) {
  const options: SessionsOptions = {
    secrets: generateSecret(),
    registry: { store: registry, timeout: 50, onStoreError: () => "closed" },
    tokens: sessionTokens({ issuer: "app", audience: "app-api", claims: ["role"], refresh: true }),
  };
  return new Hono()
    .use(sessions(options))
    .post("/login", async (c) => c.json(await c.var.sessions.create("ada", { label: "CLI" })))
    .post(
      "/token/refresh",
      refreshRoute({ claims: (userId) => ({ role: userId === "ada" ? "admin" : "user" }) }),
    )
    .get("/whoami", bearerAuth(), (c) => c.json({ user: c.var.token.sub, role: c.var.token.role }))
    .post("/raw/refresh", refreshRoute({ token: (c) => c.req.header("x-refresh-token") }));
}

type Pair = { token: string; expiresAt: number; refreshToken: string; refreshExpiresAt: number };

describe("refreshRoute", () => {
  it("exchanges a JSON body's refreshToken for a new pair; a spent one is 401 refresh_reused", async () => {
    const server = app();
    const first = (await (await server.request("/login", { method: "POST" })).json()) as Pair;
    const response = await server.request("/token/refresh", json({ refreshToken: first.refreshToken }));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const next = (await response.json()) as Pair;
    expect(Object.keys(next).sort()).toEqual(["expiresAt", "refreshExpiresAt", "refreshToken", "token"]);
    expect(next.refreshExpiresAt).toBe(first.refreshExpiresAt);
    const whoami = await server.request("/whoami", { headers: { authorization: `Bearer ${next.token}` } });
    expect(await whoami.json()).toEqual({ user: "ada", role: "admin" });
    const reused = await server.request("/token/refresh", json({ refreshToken: first.refreshToken }));
    expect(reused.status).toBe(401);
    expect(await reused.json()).toEqual({ error: "refresh_reused" });
    const after = await server.request("/token/refresh", json({ refreshToken: next.refreshToken }));
    expect(await after.json()).toEqual({ error: "revoked" });
  });

  it("400 missing without a token; 401 for a garbled one; another source through `token`", async () => {
    const server = app();
    for (const init of [json({}), { method: "POST" }, { method: "POST", body: "refreshToken=x" }]) {
      const response = await server.request("/token/refresh", init);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: "missing" });
    }
    expect(await (await server.request("/token/refresh", json({ refreshToken: "x" }))).json()).toEqual({
      error: "malformed",
    });
    const first = (await (await server.request("/login", { method: "POST" })).json()) as Pair;
    const raw = await server.request("/raw/refresh", {
      method: "POST",
      headers: { "x-refresh-token": first.refreshToken },
    });
    expect(raw.status).toBe(200);
  });

  it("503 with Retry-After when the registry is down, and the token still works afterwards", async () => {
    const real = memoryRegistry();
    let down = false;
    const flaky = new Proxy(real, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => (down ? Promise.reject(new Error("down")) : value.apply(target, args));
      },
    });
    const server = app(flaky);
    const first = (await (await server.request("/login", { method: "POST" })).json()) as Pair;
    down = true;
    const response = await server.request("/token/refresh", json({ refreshToken: first.refreshToken }));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await response.json()).toEqual({ error: "revocation_unavailable" });
    down = false;
    expect((await server.request("/token/refresh", json({ refreshToken: first.refreshToken }))).status).toBe(
      200,
    );
  });

  it("without the sessions middleware it is a ConfigError (a 500 from app.onError), not a silent pass", async () => {
    const bare = new Hono()
      .use(createMiddleware(async (_, next) => next()))
      .post("/token/refresh", refreshRoute())
      .onError((error, c) => c.json({ error: error.message }, 500));
    const response = await bare.request("/token/refresh", json({ refreshToken: "x" }));
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: string }).error).toMatch(/mount sessions/);
  });
});
