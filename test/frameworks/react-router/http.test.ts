// sealed-session/react-router in a real React Router production build: examples/react-router-app
// built with `react-router build` and served with `react-router-serve`, driven over HTTP. The
// SessionStorage form (getSession/commitSession/destroySession in loaders and actions) and the
// route-middleware form (under /mw) each go through login, a counter, flash, logout with
// revocation, a tampered cookie and a rotated secret; the storage's sessions also spill to the
// server-side store, the middleware's span two cookies.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { generateSecret } from "sealed-session";
import { bundleCost, kib, moduleGraph } from "../../../scripts/adapter-costs.ts";
import { isClearing, type SetCookie } from "../../support/http.ts";
import { type BrowserRequest, HttpBrowser } from "../browser.ts";
import { build, type RunningServer, root, serve, typecheck } from "./app.ts";

const NAME = "__Host-session";
const MW = "__Host-mw";

/** The shared browser stand-in, with what these tests send: forms and JSON. */
class Browser extends HttpBrowser {
  send(path: string, init: BrowserRequest = {}) {
    return this.request(path, init);
  }

  /** A form post as a browser without JavaScript sends it, with the Origin React Router checks. */
  form(path: string, fields: Record<string, string>) {
    return this.send(path, {
      method: "POST",
      headers: { origin: this.base, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async json(path: string, method = "GET", body?: unknown) {
    const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
    const result = await this.send(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { ...result, json: JSON.parse(result.text) };
  }
}

const named = (written: SetCookie[], name: string) => written.filter((cookie) => cookie.name === name);
const text = (html: string, id: string) => html.match(new RegExp(`<p id="${id}">([^<]*)</p>`))?.[1];

describe("sealed-session/react-router in a React Router production build (react-router-serve)", {
  timeout: 240_000,
}, () => {
  const secretA = generateSecret();
  let server: RunningServer;

  before(async () => {
    const seconds = await build();
    console.log(`react-router build: examples/react-router-app ${seconds.toFixed(1)} s`);
    server = await serve(secretA);
  });
  after(async () => {
    await server?.stop();
  });

  it("the example type-checks: typed getSession/commitSession and context.get(sessions.context)", async () => {
    const seconds = await typecheck();
    console.log(`react-router typegen + tsc: ${seconds.toFixed(1)} s`);
  });

  it("without a secret the server refuses to start, saying how to make one", async () => {
    await assert.rejects(serve(""), /exited with 1[\s\S]*ConfigError: sealed-session: `secrets` is missing/);
  });

  describe("SessionStorage (getSession / commitSession / destroySession)", () => {
    it("a page counts views through its loader's commitSession; its .data request too", async () => {
      const browser = new Browser(server.url);
      const first = await browser.send("/");
      assert.equal(first.response.status, 200);
      assert.equal(text(first.text, "views"), "1");
      assert.equal(named(first.written, NAME).length, 1, "React Router adds the loader's Set-Cookie");
      assert.equal(first.response.headers.get("cache-control"), "private, no-store");
      assert.equal(text((await browser.send("/")).text, "views"), "2", "the cookie carries the count");

      // A client-side navigation fetches the loader's data from /_.data (single fetch).
      const data = await browser.send("/_.data");
      assert.equal(data.response.status, 200);
      assert.equal(named(data.written, NAME).length, 1);
      assert.equal(text((await browser.send("/")).text, "views"), "4");
    });

    it("login: a form post gets a new session id and a flash shown once; a bad form flashes an error", async () => {
      const browser = new Browser(server.url);
      await browser.send("/");
      const anonymous = browser.jar.get(NAME);

      const refused = await browser.form("/login", { user: "" });
      assert.equal(refused.response.status, 302);
      assert.equal(refused.response.headers.get("location"), "/login");
      assert.equal(text((await browser.send("/login")).text, "error"), "Say who you are");
      const again = await browser.send("/login");
      assert.equal(text(again.text, "error"), undefined, "a flash shows once");
      assert.deepEqual([again.written, again.empty], [[], 0], 'React Router drops a loader\'s "" Set-Cookie');

      const login = await browser.form("/login", { user: "ada" });
      assert.equal(login.response.status, 302);
      assert.equal(login.response.headers.get("location"), "/");
      assert.equal(named(login.written, NAME).length, 1);
      assert.notEqual(browser.jar.get(NAME), anonymous, "login issues a new id: a new cookie");

      const home = await browser.send("/");
      assert.equal(text(home.text, "user"), "ada");
      assert.equal(text(home.text, "notice"), "Welcome, ada");
      assert.equal(text(home.text, "views"), "2", "login keeps an anonymous session's data");
      assert.equal(text((await browser.send("/")).text, "notice"), undefined, "a flash shows once");
    });

    it("a form submitted with JavaScript (a .data POST) gets its cookie on the redirect", async () => {
      const browser = new Browser(server.url);
      const login = await browser.form("/login.data", { user: "bob" });
      assert.equal(login.response.status, 202, "single fetch answers a redirect with 202 and its payload");
      assert.equal(named(login.written, NAME).length, 1);
      assert.equal((await browser.json("/api/session")).json.user, "bob");
    });

    it("a read that changes nothing writes no cookie (commitSession returns an empty string)", async () => {
      const browser = new Browser(server.url);
      const counted = await browser.json("/api/session", "POST");
      assert.deepEqual(counted.json, { views: 1 });
      assert.equal(named(counted.written, NAME).length, 1);
      const read = await browser.json("/api/session");
      assert.deepEqual(read.json, { user: null, views: 1, invalid: null, storedIn: "cookie" });
      assert.deepEqual(read.written, [], "nothing to write");
      assert.equal(read.empty, 1, 'the route sent commitSession\'s "" as it is');
    });

    it("logout: destroySession clears the cookie and revokes it, so a copy taken before no longer works", async () => {
      const browser = new Browser(server.url);
      await browser.form("/login", { user: "ada" });
      const copy = browser.jar.header;

      const logout = await browser.form("/logout", {});
      assert.equal(logout.response.status, 302);
      assert.equal(named(logout.written, NAME).length, 1);
      assert.ok(logout.written.every(isClearing));
      assert.deepEqual(browser.jar.names(), [], "logout clears the cookie");

      const replay = new Browser(server.url);
      replay.jar.set(NAME, copy.slice(NAME.length + 1));
      const replayed = await replay.json("/api/session");
      assert.deepEqual(replayed.json, { user: null, views: 0, invalid: "revoked", storedIn: "cookie" });
      assert.ok(named(replayed.written, NAME).every(isClearing), "the revoked cookie is cleared");
      assert.equal(named(replayed.written, NAME).length, 1);
    });

    it("a tampered cookie is refused (bad_seal) and cleared", async () => {
      const browser = new Browser(server.url);
      await browser.form("/login", { user: "ada" });
      browser.jar.set(NAME, tamper(browser.jar.get(NAME) ?? ""));
      const tampered = await browser.json("/api/session");
      assert.deepEqual(tampered.json, { user: null, views: 0, invalid: "bad_seal", storedIn: "cookie" });
      assert.equal(tampered.written.length, 1);
      assert.ok(isClearing(tampered.written[0]!));
    });

    it("a session that outgrows its cookie moves to the server-side store: one small cookie, the old one revoked", async () => {
      const browser = new Browser(server.url);
      await browser.form("/login", { user: "ada" });
      const before = browser.jar.get(NAME) ?? "";
      const note = "sealed ".repeat(1000); // 7 KB: more than a cookie holds
      const spilled = await browser.json("/api/note", "PUT", { note });
      assert.deepEqual(spilled.json, { storedIn: "store" });
      assert.equal(spilled.written.length, 1, "one Set-Cookie, as commitSession returns");
      assert.ok(
        spilled.written[0]!.bytes < 1024,
        `${spilled.written[0]!.bytes} bytes: a pointer, not the data`,
      );
      assert.deepEqual((await browser.json("/api/note")).json, { note, storedIn: "store" });
      assert.equal((await browser.json("/api/session")).json.user, "ada", "still logged in");

      // Moving gave the session a new id: the cookie from before the move must not fork it.
      const old = await fetch(`${server.url}/api/session`, { headers: { cookie: `${NAME}=${before}` } });
      assert.equal((await old.json()).invalid, "revoked");

      // Logout deletes the stored data; a copy of the pointer cookie opens nothing.
      const pointer = browser.jar.header;
      await browser.form("/logout", {});
      const replay = await fetch(`${server.url}/api/note`, { headers: { cookie: pointer } });
      assert.deepEqual(await replay.json(), { note: null, storedIn: "cookie" });
    });

    it("a rotated secret: the old cookie still loads and is re-sealed, then the old secret can go", async () => {
      const browser = new Browser(server.url);
      await browser.form("/login", { user: "ada" });
      const sealedWithA = browser.jar.get(NAME) ?? "";
      const secretB = generateSecret();

      const rotated = await serve(`${secretB},${secretA}`);
      try {
        const moved = new Browser(rotated.url);
        moved.jar.set(NAME, sealedWithA);
        const read = await moved.json("/api/session");
        assert.equal(read.json.user, "ada", "the old secret still opens it");
        assert.equal(named(read.written, NAME).length, 1, "commitSession re-seals it with the new secret");
        const sealedWithB = moved.jar.get(NAME) ?? "";
        assert.notEqual(sealedWithB, sealedWithA);

        const retired = await serve(secretB);
        try {
          const fresh = new Browser(retired.url);
          fresh.jar.set(NAME, sealedWithB);
          assert.equal(
            (await fresh.json("/api/session")).json.user,
            "ada",
            "the re-sealed cookie needs only B",
          );
          const stale = new Browser(retired.url);
          stale.jar.set(NAME, sealedWithA);
          const refused = await stale.json("/api/session");
          assert.equal(refused.json.user, null);
          assert.equal(refused.json.invalid, "unknown_key");
        } finally {
          await retired.stop();
        }
      } finally {
        await rotated.stop();
      }
    });
  });

  describe("route middleware (context.get(sessions.context))", () => {
    it("documents, .data requests, a guard's thrown redirect and an action's redirect all carry the session", async () => {
      const browser = new Browser(server.url);
      const first = await browser.send("/mw");
      assert.equal(text(first.text, "views"), "1");
      assert.equal(named(first.written, MW).length, 1);
      assert.equal(first.response.headers.get("cache-control"), "private, no-store", "set by the commit");
      const data = await browser.send("/mw.data");
      assert.equal(data.response.status, 200);
      assert.equal(named(data.written, MW).length, 1);
      assert.equal(text((await browser.send("/mw")).text, "views"), "3");

      // The guard (route middleware after the session's) flashes and throws a redirect.
      const guarded = await browser.send("/mw/account");
      assert.equal(guarded.response.status, 302);
      assert.equal(guarded.response.headers.get("location"), "/mw/login");
      assert.equal(named(guarded.written, MW).length, 1, "the flash set by the guard is committed");
      assert.equal(text((await browser.send("/mw/login")).text, "notice"), "Log in first");

      const anonymous = browser.jar.get(MW);
      const login = await browser.form("/mw/login", { user: "ada" });
      assert.equal(login.response.status, 302);
      assert.equal(named(login.written, MW).length, 1, "the middleware commits onto the action's redirect");
      assert.notEqual(browser.jar.get(MW), anonymous);
      const home = await browser.send("/mw");
      assert.equal(text(home.text, "notice"), "Welcome, ada");
      assert.equal(text(home.text, "views"), "4");
      const account = await browser.send("/mw/account");
      assert.equal(text(account.text, "account"), "ada");
      assert.deepEqual(account.written, [], "nothing changed: no cookie");
      assert.deepEqual(named((await browser.send("/")).written, MW), [], "routes outside /mw leave it alone");

      const oops = await browser.send("/mw/oops");
      assert.equal(oops.response.status, 500, "React Router's error boundary");
      assert.equal(text(oops.text, "error"), "500");
      assert.equal(named(oops.written, MW).length, 1, "the error page carries the session");
      assert.equal(text((await browser.send("/mw")).text, "notice"), "Something went wrong");
    });

    it("a large session spans two cookies and shrinks back to one", async () => {
      const browser = new Browser(server.url);
      const note = "sealed ".repeat(700); // ~4.9 KB
      const grown = await browser.json("/mw/api", "PUT", { note });
      assert.deepEqual(
        grown.written.map((cookie) => [cookie.name, isClearing(cookie)]),
        [
          [`${MW}.0`, false],
          [`${MW}.1`, false],
        ],
      );
      assert.equal((await browser.json("/mw/api")).json.note, note, "the chunks read back as one session");
      const shrunk = await browser.json("/mw/api", "PUT", { note: "short" });
      assert.deepEqual(
        shrunk.written.map((cookie) => [cookie.name, isClearing(cookie)]),
        [
          [MW, false],
          [`${MW}.0`, true],
          [`${MW}.1`, true],
        ],
      );
      assert.deepEqual(browser.jar.names(), [MW]);
    });

    it("logout revokes, a tampered cookie is cleared, a rotated secret re-seals", async () => {
      const browser = new Browser(server.url);
      await browser.form("/mw/login", { user: "ada" });
      const copy = browser.jar.get(MW) ?? "";
      const logout = await browser.json("/mw/api", "DELETE");
      assert.ok(named(logout.written, MW).every(isClearing) && logout.written.length === 1);
      const replay = new Browser(server.url);
      replay.jar.set(MW, copy);
      const replayed = await replay.json("/mw/api");
      assert.equal(replayed.json.invalid, "revoked");
      assert.ok(named(replayed.written, MW).every(isClearing));

      const other = new Browser(server.url);
      await other.form("/mw/login", { user: "bob" });
      other.jar.set(MW, tamper(other.jar.get(MW) ?? ""));
      const tampered = await other.json("/mw/api");
      assert.equal(tampered.json.invalid, "bad_seal");
      assert.ok(named(tampered.written, MW).every(isClearing));

      const third = new Browser(server.url);
      await third.form("/mw/login", { user: "cy" });
      const rotated = await serve(`${generateSecret()},${secretA}`);
      try {
        const moved = new Browser(rotated.url);
        moved.jar.set(MW, third.jar.get(MW) ?? "");
        const read = await moved.json("/mw/api");
        assert.equal(read.json.user, "cy");
        assert.equal(named(read.written, MW).length, 1, "re-sealed with the new secret, by the middleware");
      } finally {
        await rotated.stop();
      }
    });
  });

  it("bundle cost: what the adapter adds to an app that uses the core, with no React Router code at run time", async () => {
    const storage = await bundleCost(
      `import { createSealedSessionStorage } from "sealed-session/react-router";
       export const storage = createSealedSessionStorage({ secrets: globalThis.SECRETS });`,
      ["react-router"],
    );
    const both = await bundleCost(
      `import { createSealedSessionStorage, createSessionMiddleware } from "sealed-session/react-router";
       export const storage = createSealedSessionStorage({ secrets: globalThis.SECRETS });
       export const sessions = createSessionMiddleware({ secrets: globalThis.SECRETS });`,
      ["react-router"],
    );
    console.log(
      `sealed-session/react-router adds ${kib(storage.raw)} KiB minified (${kib(storage.gzip)} KiB gzip) ` +
        `for the SessionStorage, ${kib(both.raw)} KiB (${kib(both.gzip)} KiB gzip) with the middleware too`,
    );
    assert.deepEqual(storage.imports, [], "React Router is imported for types only");
    assert.deepEqual(both.imports, []);
    assert.ok(both.gzip > 0 && both.gzip < 4 * 1024, `${both.gzip} bytes gzip: the adapter stays thin`);
  });

  it("the core entry point loads nothing of the adapter or of React Router", () => {
    const graph = moduleGraph(join(root, "dist/index.js"));
    assert.ok(graph.length > 10, "the walk found the core's modules");
    assert.deepEqual(
      graph.filter((path) => /\/dist\/react-router\/|react-router/.test(path)),
      [],
    );
  });
});

/** A token with one character changed inside its ciphertext. */
function tamper(token: string): string {
  const at = token.length - 30;
  return `${token.slice(0, at)}${token[at] === "A" ? "B" : "A"}${token.slice(at + 1)}`;
}
