// Starts the real `wrangler dev` (local mode, no account) on a free port and drives the demo's JSON
// API over HTTP with a cookie jar. The server is always stopped, also when a test fails.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar } from "./cookie-jar.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");
const COOKIE = "__Host-session";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

let child: ChildProcess | undefined;
let output = "";
let base = "";
const persist = mkdtempSync(join(tmpdir(), "sealed-session-wrangler-"));

function stop(): Promise<void> {
  const running = child;
  child = undefined;
  if (!running || running.exitCode !== null || running.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      try {
        process.kill(-running.pid!, "SIGKILL");
      } catch {}
    }, 5000);
    running.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    try {
      // The whole process group: wrangler runs workerd as a child.
      process.kill(-running.pid!, "SIGTERM");
    } catch {
      clearTimeout(force);
      resolve();
    }
  });
}

beforeAll(async () => {
  const port = await freePort();
  const inspectorPort = await freePort();
  base = `http://127.0.0.1:${port}`;
  const secret = randomBytes(32).toString("base64url");
  child = spawn(
    process.execPath,
    [
      wrangler,
      "dev",
      "--local",
      "--ip=127.0.0.1",
      `--port=${port}`,
      `--inspector-port=${inspectorPort}`,
      `--persist-to=${persist}`,
      "--show-interactive-dev-session=false",
      "--var",
      `SESSION_SECRETS:${secret}`,
      "--var",
      "SESSION_MAX_AGE:600",
      "--var",
      "SESSION_IDLE_TIMEOUT:300",
    ],
    {
      cwd: root,
      detached: true, // its own process group, so stop() reaches workerd too
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
    },
  );
  const exited = new Promise<never>((_, reject) =>
    child?.once("exit", (code) => reject(new Error(`wrangler dev exited (${code}):\n${output}`))),
  );
  exited.catch(() => {});
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  const deadline = Date.now() + 30_000;
  const ready = (async () => {
    while (Date.now() < deadline) {
      if (/Ready on/.test(output)) {
        try {
          const response = await fetch(`${base}/`);
          await response.arrayBuffer();
          return;
        } catch {}
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`wrangler dev was not ready within 30 s:\n${output}`);
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (error) {
    await stop();
    throw error;
  }
}, 40_000);

afterAll(async () => {
  await stop();
  rmSync(persist, { recursive: true, force: true });
}, 10_000);

describe("the demo under wrangler dev", () => {
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

  it("grows a session into chunked cookies with PUT /api/data and reads it back", async () => {
    const blob = randomBytes(6000).toString("base64");
    const put = await json("PUT", "/api/data", { blob });
    expect(put.status).toBe(200);
    expect(jar.names().length).toBeGreaterThanOrEqual(3);
    expect(jar.names()[0]).toBe(`${COOKIE}.0`);
    expect((await me()).stored).toEqual({ blob });
    await json("PUT", "/api/data", {});
    expect(jar.names()).toEqual([COOKIE]);
  });
});
