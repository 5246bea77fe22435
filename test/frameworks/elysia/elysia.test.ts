// sealed-session/elysia under the real Bun: examples/elysia-app.ts (and edge-app.ts beside this
// file) started with `bun` on a free port and driven over HTTP. Elysia runs different hooks per
// outcome, so each outcome is checked for the session's cookies, exactly once: returned values,
// `beforeHandle` early returns, raw Responses, thrown errors, a `NotFoundError` from a handler,
// validation errors, unmatched routes, streams.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { generateSecret } from "sealed-session";
import { bundleCost, kib, moduleGraph } from "../../../scripts/adapter-costs.ts";
import { type RunningServer, startServer } from "../../runtimes/examples.ts";
import { isClearing, type SetCookie } from "../../support/http.ts";
import { HttpBrowser } from "../browser.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const bun = join(root, "node_modules/.bin/bun");
const NAME = "__Host-session";

const startExample = (secrets: string) =>
  startServer(bun, ["examples/elysia-app.ts"], { SESSION_SECRETS: secrets });

/** The shared browser stand-in; every request here sends JSON, and JSON answers are parsed. */
class Browser extends HttpBrowser {
  async send(path: string, method = "GET", body?: unknown) {
    const result = await this.request(path, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    const json = result.response.headers.get("content-type")?.startsWith("application/json")
      ? JSON.parse(result.text)
      : null;
    return { ...result, json };
  }
}

const session = (written: SetCookie[]) => written.filter((cookie) => cookie.name.startsWith(NAME));
const tamper = (token: string) => {
  const at = token.length - 30; // inside the ciphertext
  return `${token.slice(0, at)}${token[at] === "A" ? "B" : "A"}${token.slice(at + 1)}`;
};

describe("sealed-session/elysia on Bun", { timeout: 120_000 }, () => {
  const secretA = generateSecret();
  let server: RunningServer;
  let edge: RunningServer;

  before(async () => {
    // Keep whichever server started, so `after` stops it even when the other failed to start.
    const started = await Promise.allSettled([
      startExample(secretA),
      startServer(bun, ["test/frameworks/elysia/edge-app.ts"], { SESSION_SECRETS: generateSecret() }),
    ]);
    if (started[0].status === "fulfilled") server = started[0].value;
    if (started[1].status === "fulfilled") edge = started[1].value;
    for (const result of started) if (result.status === "rejected") throw result.reason;
  });
  after(async () => {
    await Promise.all([server?.stop(), edge?.stop()]);
  });

  it("the example type-checks: the session's types reach handlers and hooks without casts", () => {
    const result = spawnSync(
      process.execPath,
      [join(root, "node_modules/typescript/bin/tsc"), "-p", "test/frameworks/elysia/tsconfig.json"],
      { cwd: root, encoding: "utf8" },
    );
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  it("returned values (onAfterHandle): a counter, one cookie, private caching", async () => {
    const browser = new Browser(server.url);
    const first = await browser.send("/");
    assert.deepEqual(first.json, { user: null, views: 1, notice: null });
    assert.equal(session(first.written).length, 1);
    assert.equal(first.response.headers.get("cache-control"), "private, no-store");
    assert.equal((await browser.send("/")).json.views, 2, "the cookie carries the count");
    const read = await browser.send("/me");
    assert.deepEqual(read.json, { user: null, views: 2, invalid: null });
    assert.deepEqual(read.written, [], "nothing changed: no Set-Cookie");
  });

  it("login: a new session id, a flash shown once; a beforeHandle early return commits too", async () => {
    const browser = new Browser(server.url);
    const guarded = await browser.send("/account");
    assert.equal(guarded.response.status, 401);
    assert.equal(session(guarded.written).length, 1, "the guard's flash is committed on its response");
    assert.equal((await browser.send("/")).json.notice, "Log in first");

    const anonymous = browser.jar.get(NAME);
    const login = await browser.send("/login", "POST", { user: "ada" });
    assert.deepEqual(login.json, { user: "ada" });
    assert.equal(session(login.written).length, 1);
    assert.notEqual(browser.jar.get(NAME), anonymous, "login() issues a new id");
    assert.deepEqual((await browser.send("/")).json, { user: "ada", views: 2, notice: "Welcome, ada" });
    assert.equal((await browser.send("/")).json.notice, null, "a flash shows once");

    const account = await browser.send("/account");
    assert.equal(account.response.status, 200);
    assert.deepEqual(account.json, { user: "ada" });
  });

  it("a raw Response keeps its headers and gets the session; the app's own cookies go out beside it", async () => {
    const browser = new Browser(server.url);
    await browser.send("/note", "PUT", { note: "hello" });
    const download = await browser.send("/note.txt");
    assert.equal(download.text, "hello");
    assert.equal(download.response.headers.get("content-disposition"), "attachment");
    assert.equal(session(download.written).length, 1);
    assert.equal((await browser.send("/")).json.notice, "Note downloaded");

    const theme = await browser.send("/theme", "POST", { theme: "dark" });
    assert.deepEqual(theme.written.map((cookie) => cookie.name).sort(), [NAME, "theme"]);
    assert.equal(browser.jar.get("theme"), "dark");
    assert.equal((await browser.send("/")).json.notice, "Theme: dark");
  });

  it("thrown errors (onError): a 500, and a NotFoundError from a handler, carry the session", async () => {
    const browser = new Browser(server.url);
    const oops = await browser.send("/oops");
    assert.equal(oops.response.status, 500);
    assert.equal(session(oops.written).length, 1);
    assert.equal((await browser.send("/")).json.notice, "Something went wrong");

    const missing = await browser.send("/note", "DELETE");
    assert.equal(missing.response.status, 404);
    assert.deepEqual(missing.json, { error: "not found" }, "the app's onError answers");
    assert.equal(session(missing.written).length, 1);
    assert.equal((await browser.send("/")).json.notice, "There was no note");
  });

  it("a validation error (422) commits too: a tampered cookie is cleared on it", async () => {
    const browser = new Browser(server.url);
    await browser.send("/");
    browser.jar.set(NAME, tamper(browser.jar.get(NAME) ?? ""));
    const invalid = await browser.send("/login", "POST", { user: "" });
    assert.equal(invalid.response.status, 422);
    assert.ok(invalid.written.length === 1 && session(invalid.written).every(isClearing));
  });

  it("an unmatched route loads no session: no cookie, and the app's onError body is kept", async () => {
    const browser = new Browser(server.url);
    await browser.send("/");
    browser.jar.set(NAME, tamper(browser.jar.get(NAME) ?? ""));
    const unmatched = await browser.send("/no/such/route");
    assert.equal(unmatched.response.status, 404);
    assert.deepEqual(unmatched.json, { error: "not found" });
    assert.deepEqual(unmatched.written, []);
  });

  it("logout clears the cookie and, with the revocation store, a copy taken before no longer works", async () => {
    const browser = new Browser(server.url);
    await browser.send("/login", "POST", { user: "ada" });
    const copy = browser.jar.header;
    const logout = await browser.send("/logout", "POST");
    assert.deepEqual(logout.json, { user: null });
    assert.ok(session(logout.written).every(isClearing));
    assert.deepEqual(browser.jar.names(), []);

    const replay = await fetch(`${server.url}/me`, { headers: { cookie: copy } });
    assert.deepEqual(await replay.json(), { user: null, views: 0, invalid: "revoked" });
  });

  it("a login the registry cannot record answers 503 login_unavailable with no cookie, on every response kind", async () => {
    const app = await startServer(bun, ["test/frameworks/elysia/login-app.ts"], {
      SESSION_SECRETS: generateSecret(),
    });
    try {
      for (const path of ["/value", "/raw", "/thrown"]) {
        const browser = new Browser(app.url);
        const { response, json, written } = await browser.send(path);
        assert.equal(response.status, 503, path);
        assert.deepEqual(json, { error: "login_unavailable" }, path);
        assert.deepEqual(session(written), [], path);
        assert.equal(response.headers.get("x-handler"), null, path);
      }
    } finally {
      await app.stop();
    }
  });

  it("a tampered cookie is refused (bad_seal) and cleared", async () => {
    const browser = new Browser(server.url);
    await browser.send("/login", "POST", { user: "ada" });
    browser.jar.set(NAME, tamper(browser.jar.get(NAME) ?? ""));
    const tampered = await browser.send("/me");
    assert.deepEqual(tampered.json, { user: null, views: 0, invalid: "bad_seal" });
    assert.ok(tampered.written.length === 1 && session(tampered.written).every(isClearing));
  });

  it("a session that spans two cookies (chunks) is written once per chunk, and shrinks back to one", async () => {
    const browser = new Browser(server.url);
    await browser.send("/");
    const note = "sealed ".repeat(700);
    const grown = await browser.send("/note", "PUT", { note });
    assert.deepEqual(
      grown.written.map((cookie) => [cookie.name, isClearing(cookie)]),
      [
        [`${NAME}.0`, false],
        [`${NAME}.1`, false],
        [NAME, true],
      ],
    );
    assert.equal((await browser.send("/note")).json.note, note);
    const shrunk = await browser.send("/note", "PUT", { note: "short" });
    assert.deepEqual(
      shrunk.written.map((cookie) => [cookie.name, isClearing(cookie)]),
      [
        [NAME, false],
        [`${NAME}.0`, true],
        [`${NAME}.1`, true],
      ],
    );
    assert.deepEqual(browser.jar.names(), [NAME]);
  });

  it("a rotated secret: the old cookie still loads and is re-sealed, then the old secret can go", async () => {
    const browser = new Browser(server.url);
    await browser.send("/login", "POST", { user: "ada" });
    const sealedWithA = browser.jar.get(NAME) ?? "";
    const secretB = generateSecret();

    const rotated = await startExample(`${secretB},${secretA}`);
    try {
      const moved = new Browser(rotated.url);
      moved.jar.set(NAME, sealedWithA);
      const read = await moved.send("/me");
      assert.equal(read.json.user, "ada", "the old secret still opens it");
      assert.equal(session(read.written).length, 1, "re-sealed with the new secret on this response");
      const sealedWithB = moved.jar.get(NAME) ?? "";
      assert.notEqual(sealedWithB, sealedWithA);

      const retired = await startExample(secretB);
      try {
        const fresh = new Browser(retired.url);
        fresh.jar.set(NAME, sealedWithB);
        assert.equal((await fresh.send("/me")).json.user, "ada", "the re-sealed cookie needs only B");
        const stale = new Browser(retired.url);
        stale.jar.set(NAME, sealedWithA);
        assert.deepEqual((await stale.send("/me")).json, { user: null, views: 0, invalid: "unknown_key" });
      } finally {
        await retired.stop();
      }
    } finally {
      await rotated.stop();
    }
  });

  it("used thrice (two instances for one cookie, one again in a sub-app), the plugin loads and commits once", async () => {
    const browser = new Browser(edge.url);
    for (const [path, views] of [
      ["/count", 1],
      ["/sub/count", 2],
      ["/count", 3],
    ] as const) {
      const { json, written } = await browser.send(path);
      assert.deepEqual(json, { views }, `${path}: one session, each request counts once`);
      assert.equal(written.length, 1, `${path}: one Set-Cookie`);
    }
    // Loaded once per request: a tampered cookie is rejected (onInvalid) once, on either route.
    const before = (await browser.send("/rejected")).json.rejected;
    for (const path of ["/count", "/sub/count"]) {
      browser.jar.set(NAME, tamper(browser.jar.get(NAME) ?? ""));
      await browser.send(path);
    }
    assert.equal((await browser.send("/rejected")).json.rejected, before + 2);
  });

  it("raw Responses: own Set-Cookie kept beside a two-cookie session, redirect(), immutable headers, Cache-Control made private", async () => {
    const browser = new Browser(edge.url);
    await browser.send("/count");
    const raw = await browser.send("/raw-with-cookie");
    assert.deepEqual(raw.written.map((cookie) => [cookie.name, isClearing(cookie)]).sort(), [
      [NAME, true],
      [`${NAME}.0`, false],
      [`${NAME}.1`, false],
      ["own", false],
    ]);

    const go = await browser.send("/go");
    assert.equal(go.response.status, 303);
    assert.equal(session(go.written).length, 2, "Elysia's redirect()");

    const redirect = await browser.send("/immutable");
    assert.equal(redirect.response.status, 302);
    assert.equal(session(redirect.written).length, 2, "Response.redirect(): committed onto a copy");

    const fromSet = await browser.send("/public");
    assert.equal(fromSet.response.headers.get("cache-control"), "private, no-store");
    assert.equal(fromSet.response.headers.get("cdn-cache-control"), null);
    assert.equal(session(fromSet.written).length, 2);
    const fromResponse = await browser.send("/public-raw");
    assert.equal(fromResponse.response.headers.get("cache-control"), "private, no-store");
    assert.equal(session(fromResponse.written).length, 2);
  });

  it("a streamed body: the session is committed with the headers", async () => {
    const browser = new Browser(edge.url);
    const streamed = await browser.send("/stream");
    assert.equal(streamed.text, "views: 1");
    assert.equal(session(streamed.written).length, 1);
    assert.deepEqual((await browser.send("/count")).json, { views: 2 });
  });

  it("bundle cost: what the plugin adds to an app that uses the core (Elysia itself left out)", async () => {
    const cost = await bundleCost(
      `import { sessions } from "sealed-session/elysia"; export const plugin = sessions({ secrets: globalThis.SECRETS });`,
      ["elysia"],
    );
    console.log(
      `sealed-session/elysia adds ${kib(cost.raw)} KiB minified (${kib(cost.gzip)} KiB gzip) to the core`,
    );
    assert.deepEqual(cost.imports, ["elysia"], "nothing but Elysia itself, which the app has");
    assert.ok(cost.gzip > 0 && cost.gzip < 4 * 1024, `${cost.gzip} bytes gzip: the plugin stays thin`);
  });

  it("the core entry point loads nothing of the plugin or of Elysia", () => {
    const graph = moduleGraph(join(root, "dist/index.js"));
    assert.ok(graph.length > 10, "the walk found the core's modules");
    assert.deepEqual(
      graph.filter((path) => /\/dist\/elysia\/|^elysia/.test(path)),
      [],
    );
  });
});
