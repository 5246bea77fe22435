// Issue 11 #1 at the library's depth: a JWKS is made from signing keys alone (no Tokens, no store),
// cached by exactly what decides it, and bearerAuth() verifies with the sessions' own tokens, so no
// app has to cache a Tokens per env and pick which store it was built with.
import { Hono } from "hono";
import {
  ConfigError,
  createTokens,
  generateSecret,
  generateSigningKey,
  jwksHandler,
  memoryRevocationStore,
  sessionTokens,
} from "sealed-session";
import { bearerAuth, jwksRoute, sessions } from "sealed-session/hono";
import { describe, expect, it } from "vitest";

const options = { issuer: "app", audience: "api" };

describe("jwksHandler and jwksRoute from signing keys", () => {
  it("publish the public halves, the same JWKS a Tokens publishes, never d", async () => {
    const [newer, older] = [await generateSigningKey("ES256"), await generateSigningKey()];
    const keys = JSON.stringify([JSON.parse(newer.privateJwk), older.publicJwk]);
    const response = await jwksHandler(keys)(new Request("https://app.example/.well-known/jwks.json"));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    const text = await response.text();
    expect(text).not.toContain('"d"');
    const tokens = createTokens({ ...options, signingKeys: keys });
    expect(JSON.parse(text)).toEqual(await tokens.jwks());
    expect((await jwksHandler(keys)(new Request("https://x/", { method: "POST" }))).status).toBe(405);
    // Fixed keys are checked when the handler is made, and the message holds no key material.
    const d = JSON.parse(newer.privateJwk).d as string;
    expect(() => jwksHandler(JSON.stringify({ kty: "oct", k: d }))).toThrow(ConfigError);
    expect(() => jwksHandler("")).toThrow(ConfigError);
  });

  it("a function of the context: each env gets the JWKS of its own keys, whichever came first", async () => {
    const app = new Hono<{ Bindings: { KEYS: string } }>().get(
      "/.well-known/jwks.json",
      jwksRoute((c) => c.env.KEYS),
    );
    const [a, b] = [await generateSigningKey(), await generateSigningKey()];
    const kidsOf = async (keys: string) =>
      (
        (await (await app.request("/.well-known/jwks.json", {}, { KEYS: keys })).json()) as {
          keys: { kid: string }[];
        }
      ).keys.map((key) => key.kid);
    expect(await kidsOf(a.privateJwk)).toEqual([a.kid]);
    expect(await kidsOf(b.privateJwk)).toEqual([b.kid]);
    expect(await kidsOf(JSON.stringify([JSON.parse(b.privateJwk), a.publicJwk]))).toEqual([b.kid, a.kid]);
    expect(await kidsOf(a.privateJwk)).toEqual([a.kid]);
  });
});

describe("bearerAuth() with the sessions' tokens", () => {
  async function app() {
    const revocation = memoryRevocationStore();
    const signingKeys = (await generateSigningKey()).privateJwk;
    const api = new Hono()
      .use(
        sessions({
          secrets: generateSecret(),
          revocation,
          tokens: sessionTokens({ ...options, signingKeys }),
        }),
      )
      .post("/login", (c) => {
        c.var.session.login("alice");
        return c.json({});
      })
      .post("/logout", (c) => {
        c.var.session.destroy();
        return c.json({});
      })
      .post("/token", async (c) => c.json(await c.var.sessions.issueToken(c.var.session)))
      .get("/me", bearerAuth(), (c) => c.json({ user: c.var.token.sub }))
      .get("/.well-known/jwks.json", jwksRoute(signingKeys));
    return api;
  }

  it("verifies with the sessions' store: JWKS first, then login → token → logout refuses the token", async () => {
    const api = await app();
    expect((await api.request("/.well-known/jwks.json")).status).toBe(200);
    const login = await api.request("/login", { method: "POST" });
    const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
    const { token } = (await (
      await api.request("/token", { method: "POST", headers: { cookie } })
    ).json()) as {
      token: string;
    };
    const me = () => api.request("/me", { headers: { authorization: `Bearer ${token}` } });
    expect(await (await me()).json()).toEqual({ user: "alice" });
    expect((await api.request("/me", { headers: { cookie } })).status).toBe(401);
    await api.request("/logout", { method: "POST", headers: { cookie } });
    const after = await me();
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({ error: "revoked" });
  });

  it("without the sessions middleware it is a ConfigError that says what to mount", async () => {
    let caught: unknown;
    const bare = new Hono().get("/me", bearerAuth(), (c) => c.json({}));
    bare.onError((error, c) => {
      caught = error;
      return c.json({ error: "misconfigured" }, 500);
    });
    expect((await bare.request("/me", { headers: { authorization: "Bearer x.y.z" } })).status).toBe(500);
    expect(caught).toBeInstanceOf(ConfigError);
    expect(String(caught)).toContain("sessionTokens");
  });
});
