// sealed-session/sveltekit in a real SvelteKit production build: examples/sveltekit-app (and a
// second app with the hook mounted twice) built with `vite build` and adapter-node, served with
// `node build`, driven over HTTP. Every response kind SvelteKit produces must carry the session's
// cookies exactly once: pages, `__data.json`, form actions (plain and enhanced), endpoints,
// `redirect()`/`error()` thrown in endpoints, a load that throws, and a `redirect()` thrown by a
// later hook of the sequence.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { generateSecret } from "sealed-session";
import { bundleCost, kib, moduleGraph } from "../../../scripts/adapter-costs.ts";
import type { RunningServer } from "../../runtimes/examples.ts";
import { isClearing, Jar, type SetCookie } from "../../support/http.ts";
import { type BrowserRequest, HttpBrowser } from "../browser.ts";
import { build, root, serve } from "./app.ts";

const example = join(root, "examples/sveltekit-app");
const twice = join(root, "test/frameworks/sveltekit/twice-app");
const NAME = "__Host-session";

/** The shared browser stand-in, with what these tests send: forms and JSON. */
class Browser extends HttpBrowser {
  send(path: string, init: BrowserRequest = {}) {
    return this.request(path, init);
  }

  /** A form post as a browser sends it: form-encoded, with the Origin SvelteKit's CSRF check expects. */
  form(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return this.send(path, {
      method: "POST",
      headers: {
        ...this.#origin,
        "content-type": "application/x-www-form-urlencoded",
        accept: "text/html",
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /**
   * The Origin a browser sends with a POST. adapter-node takes the protocol for https unless told
   * otherwise (PROTOCOL_HEADER), as for a site behind a TLS proxy.
   */
  get #origin() {
    return { origin: this.base.replace("http:", "https:") };
  }

  async json(path: string, method = "GET", body?: unknown) {
    const headers: Record<string, string> = method === "GET" ? {} : this.#origin;
    if (body !== undefined) headers["content-type"] = "application/json";
    const result = await this.send(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { ...result, json: JSON.parse(result.text) };
  }
}

const session = (written: SetCookie[]) => written.filter((cookie) => cookie.name === NAME);
const text = (html: string, id: string) => html.match(new RegExp(`<p id="${id}">([^<]*)</p>`))?.[1];

describe("sealed-session/sveltekit in a SvelteKit production build (adapter-node)", {
  timeout: 240_000,
}, () => {
  const secretA = generateSecret();
  let server: RunningServer;
  let twiceServer: RunningServer;

  before(async () => {
    const [exampleSeconds, twiceSeconds] = await Promise.all([build(example), build(twice)]);
    console.log(
      `vite build: examples/sveltekit-app ${exampleSeconds.toFixed(1)} s, twice-app ${twiceSeconds.toFixed(1)} s`,
    );
    // Keep whichever server started, so `after` stops it even when the other failed to start.
    const started = await Promise.allSettled([serve(example, secretA), serve(twice, generateSecret())]);
    if (started[0].status === "fulfilled") server = started[0].value;
    if (started[1].status === "fulfilled") twiceServer = started[1].value;
    for (const result of started) if (result.status === "rejected") throw result.reason;
  });
  after(async () => {
    await Promise.all([server?.stop(), twiceServer?.stop()]);
  });

  it("the example type-checks: App.Locals types the session in hooks, loads, actions and endpoints", () => {
    const result = spawnSync(
      process.execPath,
      [join(root, "node_modules/typescript/bin/tsc"), "-p", "test/frameworks/sveltekit/tsconfig.json"],
      { cwd: root, encoding: "utf8" },
    );
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  it("a page counts views; its __data.json request (client-side navigation) commits too", async () => {
    const browser = new Browser(server.url);
    const first = await browser.send("/");
    assert.equal(first.response.status, 200);
    assert.equal(text(first.text, "views"), "1");
    assert.equal(session(first.written).length, 1, "a new visitor gets one cookie");
    assert.equal(first.response.headers.get("cache-control"), "private, no-store");
    assert.equal(text((await browser.send("/")).text, "views"), "2", "the cookie carries the count");

    const data = await browser.send("/__data.json");
    assert.equal(data.response.status, 200);
    assert.equal(session(data.written).length, 1);
    // devalue's format: the page node's data is a table, its first row holding indexes into it.
    const table = JSON.parse(data.text).nodes[1].data;
    assert.equal(table[table[0].views], 3);
    assert.equal(text((await browser.send("/")).text, "views"), "4");
  });

  it("form actions: login redirects with a new session id and a flash shown once; enhanced too", async () => {
    const browser = new Browser(server.url);
    await browser.send("/");
    const anonymous = browser.jar.get(NAME);

    const login = await browser.form("/login", { user: "ada" });
    assert.equal(login.response.status, 303);
    assert.equal(login.response.headers.get("location"), "/");
    assert.equal(session(login.written).length, 1);
    assert.notEqual(browser.jar.get(NAME), anonymous, "login() issues a new id: a new cookie");

    const home = await browser.send("/");
    assert.equal(text(home.text, "user"), "ada");
    assert.equal(text(home.text, "notice"), "Welcome, ada");
    assert.equal(text(home.text, "views"), "2", "login keeps an anonymous session's data");
    assert.equal(text((await browser.send("/")).text, "notice"), undefined, "a flash shows once");

    const refused = await browser.form("/login", { user: "" });
    assert.equal(refused.response.status, 400);
    assert.equal(text((await browser.send("/")).text, "user"), "ada", "fail() leaves the session alone");

    const other = new Browser(server.url);
    const enhanced = await other.form(
      "/login",
      { user: "bob" },
      { accept: "application/json", "x-sveltekit-action": "true" },
    );
    assert.equal(enhanced.response.status, 200);
    assert.deepEqual(JSON.parse(enhanced.text), { type: "redirect", status: 303, location: "/" });
    assert.equal(session(enhanced.written).length, 1);
    assert.equal((await other.json("/api/count")).json.user, "bob");
  });

  it("endpoints: POST counts, a GET that changes nothing writes no cookie", async () => {
    const browser = new Browser(server.url);
    const counted = await browser.json("/api/count", "POST");
    assert.deepEqual(counted.json, { views: 1 });
    assert.equal(session(counted.written).length, 1);
    const read = await browser.json("/api/count");
    assert.deepEqual(read.json, { user: null, views: 1, invalid: null });
    assert.deepEqual(read.written, [], "nothing changed: no Set-Cookie");
    assert.equal(
      read.response.headers.get("cache-control"),
      "private, no-store",
      "it depends on the session",
    );
  });

  it("error() and redirect() thrown in endpoints, and a load that throws, carry the session", async () => {
    const browser = new Browser(server.url);
    const teapot = await browser.send("/api/teapot");
    assert.equal(teapot.response.status, 418);
    assert.equal(session(teapot.written).length, 1);
    assert.equal(text((await browser.send("/")).text, "notice"), "I am a teapot");

    const home = await browser.send("/api/home");
    assert.equal(home.response.status, 307);
    assert.equal(session(home.written).length, 1);
    assert.equal(text((await browser.send("/")).text, "notice"), "Back home");

    const oops = await browser.send("/oops");
    assert.equal(oops.response.status, 500, "SvelteKit's error page");
    assert.equal(session(oops.written).length, 1);
    assert.equal(text((await browser.send("/")).text, "notice"), "Something went wrong");
  });

  it("a redirect() thrown by a later hook of the sequence carries the session (through event.cookies)", async () => {
    const browser = new Browser(server.url);
    const guarded = await browser.send("/account");
    assert.equal(guarded.response.status, 303);
    assert.equal(guarded.response.headers.get("location"), "/login");
    assert.equal(session(guarded.written).length, 1, "the flash set by the guard is committed");
    const loginPage = await browser.send("/login");
    assert.equal(text(loginPage.text, "notice"), "Log in first");

    await browser.form("/login", { user: "ada" });
    const account = await browser.send("/account");
    assert.equal(account.response.status, 200);
    assert.equal(text(account.text, "account"), "ada");
  });

  it("logout clears the cookie and, with the revocation store, a copy taken before no longer works", async () => {
    const browser = new Browser(server.url);
    await browser.form("/login", { user: "ada" });
    const copy = browser.jar.header;

    const logout = await browser.form("/logout", {});
    assert.equal(logout.response.status, 303);
    assert.ok(session(logout.written).every(isClearing));
    assert.deepEqual(browser.jar.names(), [], "logout clears the cookie");

    const replay = await fetch(`${server.url}/api/count`, { headers: { cookie: copy } });
    assert.deepEqual(await replay.json(), { user: null, views: 0, invalid: "revoked" });
    assert.ok(session(new Jar().apply(replay.headers)).every(isClearing), "the revoked cookie is cleared");
  });

  it("a tampered cookie is refused (bad_seal) and cleared", async () => {
    const browser = new Browser(server.url);
    await browser.form("/login", { user: "ada" });
    const token = browser.jar.get(NAME) ?? "";
    const at = token.length - 30; // inside the ciphertext
    browser.jar.set(NAME, `${token.slice(0, at)}${token[at] === "A" ? "B" : "A"}${token.slice(at + 1)}`);
    const tampered = await browser.json("/api/count");
    assert.deepEqual(tampered.json, { user: null, views: 0, invalid: "bad_seal" });
    assert.ok(session(tampered.written).every(isClearing) && tampered.written.length === 1);
  });

  it("a session that spans two cookies (chunks) is written once per chunk, and shrinks back to one", async () => {
    const browser = new Browser(server.url);
    await browser.json("/api/count", "POST");
    const note = "sealed ".repeat(700); // ~4.9 KB of data: more than one cookie holds
    const grown = await browser.json("/api/note", "PUT", { note });
    assert.deepEqual(
      grown.written.map((cookie) => [cookie.name, isClearing(cookie)]),
      [
        [`${NAME}.0`, false],
        [`${NAME}.1`, false],
        [NAME, true],
      ],
    );
    assert.equal((await browser.json("/api/note")).json.note, note, "the chunks read back as one session");

    const shrunk = await browser.json("/api/note", "PUT", { note: "short" });
    assert.deepEqual(
      shrunk.written.map((cookie) => [cookie.name, isClearing(cookie)]),
      [
        [NAME, false],
        [`${NAME}.0`, true],
        [`${NAME}.1`, true],
      ],
    );
    assert.deepEqual(browser.jar.names(), [NAME]);
    assert.deepEqual((await browser.json("/api/count")).json, { user: null, views: 1, invalid: null });
  });

  it("a rotated secret: the old cookie still loads and is re-sealed, then the old secret can go", async () => {
    const browser = new Browser(server.url);
    await browser.form("/login", { user: "ada" });
    const sealedWithA = browser.jar.get(NAME) ?? "";
    const secretB = generateSecret();

    const rotated = await serve(example, `${secretB},${secretA}`);
    try {
      const moved = new Browser(rotated.url);
      moved.jar.set(NAME, sealedWithA);
      const read = await moved.json("/api/count");
      assert.equal(read.json.user, "ada", "the old secret still opens it");
      assert.equal(session(read.written).length, 1, "re-sealed with the new secret on this response");
      assert.notEqual(moved.jar.get(NAME), sealedWithA);
      const sealedWithB = moved.jar.get(NAME) ?? "";

      const retired = await serve(example, secretB);
      try {
        const fresh = new Browser(retired.url);
        fresh.jar.set(NAME, sealedWithB);
        assert.equal((await fresh.json("/api/count")).json.user, "ada", "the re-sealed cookie needs only B");
        const stale = new Browser(retired.url);
        stale.jar.set(NAME, sealedWithA);
        const refused = await stale.json("/api/count");
        assert.equal(refused.json.user, null);
        assert.equal(refused.json.invalid, "unknown_key");
      } finally {
        await retired.stop();
      }
    } finally {
      await rotated.stop();
    }
  });

  it("mounted twice in one sequence, the hook loads and commits once", async () => {
    const browser = new Browser(twiceServer.url);
    for (const views of [1, 2, 3]) {
      const { text: body, written } = await browser.send("/");
      assert.deepEqual(JSON.parse(body), { views }, "one session: each request counts once");
      assert.equal(written.length, 1, "one Set-Cookie");
    }
  });

  it("bundle cost: what the hook adds to an app that uses the core, with no SvelteKit code at run time", async () => {
    const cost = await bundleCost(
      `import { sessions } from "sealed-session/sveltekit"; export const handle = sessions({ secrets: globalThis.SECRETS });`,
      ["@sveltejs/kit", "@sveltejs/kit/*"],
    );
    console.log(
      `sealed-session/sveltekit adds ${kib(cost.raw)} KiB minified (${kib(cost.gzip)} KiB gzip) to the core`,
    );
    assert.deepEqual(cost.imports, [], "SvelteKit is imported for types only");
    assert.ok(cost.gzip > 0 && cost.gzip < 4 * 1024, `${cost.gzip} bytes gzip: the hook stays thin`);
  });

  it("the core entry point loads nothing of the adapter or of SvelteKit", () => {
    const graph = moduleGraph(join(root, "dist/index.js"));
    assert.ok(graph.length > 10, "the walk found the core's modules");
    assert.deepEqual(
      graph.filter((path) => /\/dist\/sveltekit\/|@sveltejs/.test(path)),
      [],
    );
  });
});
