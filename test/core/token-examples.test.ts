import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { generateSecret, generateSigningKey } from "sealed-session";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenApp } from "../../examples/token-hono.ts";
import { createVerifier } from "../../examples/token-service.ts";
import worker from "../../examples/token-sessions.ts";

const app = tokenApp({ secrets: generateSecret(), signingKeys: (await generateSigningKey()).privateJwk });
let server: ReturnType<typeof serve>;
let origin: string;

beforeAll(async () => {
  await new Promise<void>((listening) => {
    server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => listening());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

const post = (path: string, cookie = "", body?: unknown) =>
  fetch(`${origin}${path}`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe("examples/token-hono.ts with examples/token-service.ts, over loopback HTTP", () => {
  it("cookie login → token → this API and another service accept it; after logout only the JWKS-only service does", async () => {
    expect((await post("/app/token")).status).toBe(401);
    const login = await post("/app/login", "", { user: "alice" });
    const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
    const { token } = (await (await post("/app/token", cookie)).json()) as { token: string };
    const withToken = { headers: { authorization: `Bearer ${token}` } };

    const whoami = await fetch(`${origin}/api/whoami`, withToken);
    expect(await whoami.json()).toEqual({ user: "alice" });
    expect((await fetch(`${origin}/api/whoami`, { headers: { cookie } })).status).toBe(401);

    const userOf = createVerifier(new URL(`${origin}/.well-known/jwks.json`));
    expect(await userOf(new Request("https://other.example/", withToken))).toBe("alice");
    expect(await userOf(new Request("https://other.example/", { headers: { cookie } }))).toBeUndefined();

    await post("/app/logout", cookie);
    const revoked = await fetch(`${origin}/api/whoami`, withToken);
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toEqual({ error: "revoked" });
    // As the docs say: a service that checks only the JWKS cannot see the revocation before `exp`.
    expect(await userOf(new Request("https://other.example/", withToken))).toBe("alice");
  });
});

describe("examples/token-sessions.ts (the manager's tokens option)", () => {
  it("issues a token with the listed claim from the cookie session; the API reads only the bearer token", async () => {
    const env = {
      SESSION_SECRETS: generateSecret(),
      TOKEN_SIGNING_KEYS: (await generateSigningKey()).privateJwk,
    };
    const call = (path: string, headers: Record<string, string> = {}, method = "POST") =>
      worker.fetch(new Request(`https://app.example${path}`, { method, headers }), env);
    expect((await call("/token")).status).toBe(401);
    const cookie = (await call("/login")).headers.getSetCookie()[0]!.split(";")[0]!;
    const { token } = (await (await call("/token", { cookie })).json()) as { token: string };
    const me = await call("/api/me", { authorization: `Bearer ${token}` }, "GET");
    expect(await me.json()).toEqual({ user: "alice", role: "editor" });
    const cookieOnly = await call("/api/me", { cookie }, "GET");
    expect(cookieOnly.status).toBe(401);
    expect(await cookieOnly.json()).toEqual({ error: "missing" });
  });
});

describe("docs/tokens.md", () => {
  it("quotes the token examples verbatim", () => {
    const docs = readFileSync(new URL("../../docs/tokens.md", import.meta.url), "utf8");
    for (const example of ["token-hono.ts", "token-service.ts", "token-sessions.ts"]) {
      const source = readFileSync(new URL(`../../examples/${example}`, import.meta.url), "utf8").trimEnd();
      expect(docs.includes(`\`\`\`ts\n${source}\n\`\`\``), example).toBe(true);
    }
  });
});
