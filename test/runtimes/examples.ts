/**
 * Starts an example server for real, as its header says to run it, on a free loopback port, and
 * drives it like a browser would. Uses `node:child_process` and `fetch`, which Node, Deno and Bun
 * all provide, so each runtime's test is two lines.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { generateSecret } from "sealed-session";
import { Jar } from "../support/http.ts";
import { stopChild } from "../support/process.ts";

const root = new URL("../../", import.meta.url).pathname;

export interface RunningServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Spawns the server with PORT=0 and resolves once it prints `Listening on http://…`. */
export function startServer(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<RunningServer> {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, PORT: "0", SESSION_SECRETS: generateSecret(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail("did not print its address within 30 s"), 30_000);
    function fail(why: string) {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`${args.at(-1)} ${why}. Its output:\n${output}`));
    }
    const listen = (chunk: Buffer) => {
      output += chunk;
      // Up to the line's end: a chunk of output may end inside the port number.
      const url = output.match(/Listening on (http:\/\/127\.0\.0\.1:\d+)\/?\s/)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({ url, stop: () => stopChild(child) });
    };
    child.stdout?.on("data", listen);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("error", (error) => fail(`could not start: ${error.message}`));
    child.on("exit", (code) => fail(`exited with ${code}`));
  });
}

/**
 * The behaviour every example promises: a counter in the session, login, logout, a JSON-only API,
 * and (with `revocation`) a replayed cookie from before the logout no longer logs anybody in.
 */
export async function checkExample(base: string, { revocation }: { revocation: boolean }): Promise<void> {
  const jar = new Jar();
  const call = async (method: string, path: string, body?: unknown) => {
    const headers = new Headers();
    if (jar.header) headers.set("cookie", jar.header);
    if (body !== undefined) headers.set("content-type", "application/json");
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
    const written = jar.apply(response.headers);
    return { status: response.status, json: await response.json(), written };
  };

  const first = await call("GET", "/");
  assert.deepEqual(first.json, { user: null, views: 1 });
  assert.equal(first.written.length, 1, "a new visitor gets one cookie");
  assert.equal(first.written[0]?.attributes.get("httponly"), true);
  assert.deepEqual((await call("GET", "/")).json, { user: null, views: 2 }, "the cookie carries the count");

  const login = await call("POST", "/login", { user: "ada" });
  assert.equal(login.status, 200);
  assert.deepEqual(login.json, { user: "ada" });
  assert.equal(login.written.length, 1, "login re-issues the cookie, with a new session id");
  const loggedIn = jar.header;
  assert.equal((await call("GET", "/")).json.user, "ada");

  const refused = await fetch(`${base}/login`, {
    method: "POST",
    headers: { "content-type": "text/plain", cookie: loggedIn },
    body: "user=mallory",
  });
  assert.equal(refused.status, 415, "a form-capable body could come from another site");

  const logout = await call("POST", "/logout");
  assert.equal(logout.status, 200);
  assert.deepEqual(jar.names(), [], "logout clears the cookie");
  assert.deepEqual((await call("GET", "/")).json, { user: null, views: 1 });

  // A copy of the cookie taken before the logout (another tab, a thief):
  const replay = await fetch(`${base}/`, { headers: { cookie: loggedIn } });
  const replayed = await replay.json();
  if (revocation) assert.equal(replayed.user, null, "the store revoked the session at logout");
  else assert.equal(replayed.user, "ada", "without a store, a copied cookie lives until it expires");
}

/** A browser against one or more servers of the same app: its cookies, JSON calls, statuses. */
class Client {
  readonly jar = new Jar();
  readonly #bases: readonly string[];
  constructor(bases: readonly string[]) {
    this.#bases = bases;
  }
  async call(method: string, path: string, body?: unknown, server = 0) {
    const headers = new Headers();
    if (this.jar.header) headers.set("cookie", this.jar.header);
    if (body !== undefined) headers.set("content-type", "application/json");
    const response = await fetch(`${this.#bases[server % this.#bases.length]}${path}`, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
    const written = this.jar.apply(response.headers);
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : null, written };
  }
}

/**
 * What an example with a registry and a data store promises (examples/node-hono-redis.ts,
 * bun-redis.ts, deno-kv.ts), on top of `checkExample`: a user sees their sessions and ends one
 * elsewhere; a cart kept in the store gets 20 lines from 20 concurrent requests, spread over every
 * server given (several processes of the app, one backend), and the cookie stays small.
 */
export async function checkStatefulExample(bases: readonly string[]): Promise<void> {
  for (const base of bases) await checkExample(base, { revocation: true });
  const user = `ada-${crypto.randomUUID()}`;
  const [laptop, phone] = [new Client(bases), new Client(bases)];
  for (const device of [laptop, phone]) {
    assert.equal((await device.call("POST", "/login", { user })).status, 200);
  }
  const listed = await laptop.call("GET", "/sessions", undefined, 1);
  assert.equal(listed.status, 200);
  assert.equal(listed.json.length, 2, "both devices are listed");
  const other = listed.json.find((s: { current: boolean }) => !s.current);
  assert.ok(other, "one is this device, one is not");
  assert.equal((await laptop.call("DELETE", `/sessions/${other.id}`)).status, 200);
  assert.equal((await phone.call("GET", "/", undefined, 1)).json.user, null, "the phone was logged out");
  assert.equal((await laptop.call("GET", "/")).json.user, user);

  assert.equal((await laptop.call("POST", "/cart", { sku: "first" })).status, 200);
  const added = await Promise.all(
    Array.from({ length: 20 }, (_, i) => laptop.call("POST", "/cart", { sku: `sku-${i}` }, i)),
  );
  assert.deepEqual(
    added.map((r) => r.status),
    added.map(() => 200),
  );
  const cart = (await laptop.call("GET", "/cart", undefined, 1)).json.cart;
  assert.equal(Object.keys(cart).length, 21, "every concurrent line landed");
  assert.ok(laptop.jar.header.length < 1024, "the cart lives in the store, not in the cookie");
  assert.equal((await laptop.call("GET", "/")).json.user, user);
}

/** A Redis server a test can take away and bring back. */
export interface Outage {
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * Redis goes away under a running example (registry, store and revocation on it): logged-in
 * requests fail closed (anonymous for that request), logins, cart changes and listings answer 503
 * with a typed code — no response is a 500 — and once Redis is back (with its data), the same
 * processes serve the same user and cart again without a restart.
 */
export async function checkOutage(bases: readonly string[], redis: Outage): Promise<void> {
  const user = `grace-${crypto.randomUUID()}`;
  const device = new Client(bases);
  await device.call("POST", "/login", { user });
  await device.call("POST", "/cart", { sku: "book" });
  const cookie = device.jar.header;
  await redis.stop();
  const statuses: number[] = [];
  for (let i = 0; i < bases.length * 3; i++) {
    const home = await device.call("GET", "/", undefined, i);
    statuses.push(home.status);
    assert.equal(home.json.user, null, "fails closed: not logged in while Redis is down");
    const login = await new Client(bases).call("POST", "/login", { user: "eve" }, i);
    statuses.push(login.status);
    assert.equal(login.status, 503);
    assert.equal(login.json.error, "login_unavailable");
    const cart = await device.call("POST", "/cart", { sku: "pen" }, i);
    statuses.push(cart.status);
    assert.equal(cart.status, 503);
    assert.match(cart.json.error, /^[a-z_]+$/, "a typed code");
  }
  assert.ok(!statuses.includes(500), `no 500: ${statuses.join(",")}`);
  assert.equal(device.jar.header, cookie, "the cookie survives the outage");
  await redis.start();
  // Each process's client reconnects on its own schedule: ask until each answers.
  for (let server = 0; server < bases.length; server++) {
    let home = await device.call("GET", "/", undefined, server);
    for (let tries = 0; home.json.user !== user && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      home = await device.call("GET", "/", undefined, server);
    }
    assert.equal(home.json.user, user, `server ${server} recovered without a restart`);
    assert.deepEqual((await device.call("GET", "/cart", undefined, server)).json.cart, { book: 1 });
  }
  assert.equal((await device.call("POST", "/cart", { sku: "pen" })).status, 200);
  assert.equal((await new Client(bases).call("POST", "/login", { user: "eve" })).status, 200);
}
