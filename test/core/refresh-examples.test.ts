// examples/refresh-hono.ts served over loopback HTTP, driven by examples/refresh-client.ts: the flow
// docs/refresh-tokens.md describes for a CLI, with a stolen refresh token replayed.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { generateSecret } from "sealed-session";
import { memoryRegistry } from "sealed-session/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoginRequired, TokenClient, type TokenStore } from "../../examples/refresh-client.ts";
import { refreshApp } from "../../examples/refresh-hono.ts";

const registry = memoryRegistry();
const app = refreshApp({
  secrets: generateSecret(),
  registry,
  checkPassword: async (user, password) => password === `${user}'s password`,
});
let server: ReturnType<typeof serve>;
let origin: string;

beforeAll(async () => {
  await new Promise<void>((listening) => {
    server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => listening());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

/** The CLI's keychain, remembering every token it ever held (what a thief might have copied). */
function keychain(): TokenStore & { history: string[]; current: string | undefined } {
  return {
    history: [],
    current: undefined,
    async load() {
      return this.current;
    },
    async save(token) {
      this.current = token;
      this.history.push(token);
    },
    async clear() {
      this.current = undefined;
    },
  };
}

describe("examples/refresh-hono.ts with examples/refresh-client.ts, over loopback HTTP", () => {
  it("log in, refresh 20 times, then a stolen old refresh token is replayed: the CLI must log in again", async () => {
    const store = keychain();
    // The CLI thinks every token is about to expire, so each call refreshes first.
    let skew = 0;
    const cli = new TokenClient(origin, store, () => Date.now() + skew);
    await expect(cli.login("ada", "wrong")).rejects.toBeInstanceOf(LoginRequired);
    await cli.login("ada", "ada's password");
    expect(await (await cli.fetch("/api/whoami")).json()).toEqual({ user: "ada" });
    expect((await registry.list("ada", { now: Date.now() })).map((e) => [e.kind, e.label])).toEqual([
      ["refresh", "my-cli"],
    ]);
    skew = 3_600_000;
    for (let i = 0; i < 20; i++) expect((await cli.fetch("/api/whoami")).status).toBe(200);
    expect(store.history.length).toBe(21);

    const stolen = store.history[5]!;
    const replay = await fetch(`${origin}/auth/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refreshToken: stolen }),
    });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({ error: "refresh_reused" });
    await expect(cli.fetch("/api/whoami")).rejects.toThrow(/revoked/);
    expect(store.current).toBeUndefined();
    expect(await registry.list("ada", { now: Date.now() })).toEqual([]);
  });

  it("logout ends the family: the access token the CLI still had is refused at once", async () => {
    const store = keychain();
    const cli = new TokenClient(origin, store);
    await cli.login("bob", "bob's password");
    const held = await (await cli.fetch("/api/whoami")).json();
    expect(held).toEqual({ user: "bob" });
    const refreshToken = store.current!;
    await cli.logout();
    const after = await fetch(`${origin}/auth/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refreshToken }),
    });
    expect(await after.json()).toEqual({ error: "revoked" });
    await expect(cli.fetch("/api/whoami")).rejects.toBeInstanceOf(LoginRequired);
  });
});
