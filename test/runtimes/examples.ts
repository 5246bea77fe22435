/**
 * Starts an example server for real, as its header says to run it, on a free loopback port, and
 * drives it like a browser would. Uses `node:child_process` and `fetch`, which Node, Deno and Bun
 * all provide, so each runtime's test is two lines.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { generateSecret } from "sealed-session";
import { Jar } from "../support/http.ts";

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
      resolve({ url, stop: () => stop(child) });
    };
    child.stdout?.on("data", listen);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("error", (error) => fail(`could not start: ${error.message}`));
    child.on("exit", (code) => fail(`exited with ${code}`));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.removeAllListeners("exit");
    child.on("exit", () => resolve());
    child.kill("SIGTERM");
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
