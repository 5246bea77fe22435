// What the installed Chromium does with the layered-cookie prefixes (draft-ietf-httpbis-layered-cookies)
// from http://127.0.0.1: a tiny server sets cookies with and without the attributes each prefix
// needs, page script tries to set them, and a manager with `prefix: "__Host-Http-"` keeps a session.
// Evidence for the README's browser-support table. `npm run test:e2e`; skips without `chromium`
// (a failure under CI=true), like demo.test.ts.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { createSessions, generateSecret } from "sealed-session";
import { findChromium, launchChromium } from "./chromium.ts";

const executable = findChromium();
const missing = "no `chromium` on PATH (Debian: apt-get install chromium)";

/** Set-Cookie lines the server sends on /set, each a case: [cookie name, attributes, stored?]. */
const CASES: readonly [string, string, boolean][] = [
  ["__Host-Http-a", "Secure; HttpOnly; Path=/", true],
  ["__Host-Http-b", "Secure; Path=/", false],
  ["__Host-Http-c", "HttpOnly; Path=/", false],
  // An IP host's own address as Domain is host-only (RFC 6265bis §5.7 step 10), so this one qualifies;
  // a real Domain is refused below, from localhost.
  ["__Host-Http-d", "Secure; HttpOnly; Path=/; Domain=127.0.0.1", true],
  ["__Http-e", "Secure; HttpOnly; Path=/", true],
  ["__Http-f", "Secure; HttpOnly; Path=/app", true],
  ["__Http-g", "Secure; Path=/", false],
  ["__Host-h", "Secure; Path=/", true],
];

if (executable === undefined && process.env.CI === "true") {
  it("finds Chromium (CI=true: the browser tests may not skip)", () => {
    assert.fail(`e2e: ${missing}`);
  });
} else if (executable === undefined) {
  console.log(`e2e: SKIPPED, ${missing}; under CI=true this is a failure`);
  it("cookie prefixes in Chromium", { skip: `e2e: ${missing}` }, () => {});
} else {
  const chromiumPath = executable;
  describe("__Host-Http- and __Http- in headless Chromium", { timeout: 120_000 }, () => {
    let server: Server;
    let base = "";
    let browser: Browser;
    const secrets = generateSecret();
    // The app before and after moving its cookie to __Host-Http- (same secrets).
    const legacy = createSessions<{ n: number }>({ secrets });
    const sessions = createSessions<{ n: number }>({
      secrets,
      cookie: { prefix: "__Host-Http-", previousNames: ["__Host-session"] },
    });

    before(async () => {
      server = createServer(async (req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        if (url.pathname === "/set-domain") {
          res.setHeader("set-cookie", [
            "__Host-Http-domain=1; Secure; HttpOnly; Path=/; Domain=localhost",
            "__Http-domain=1; Secure; HttpOnly; Path=/; Domain=localhost",
          ]);
          res.end("set");
        } else if (url.pathname === "/set") {
          res.setHeader(
            "set-cookie",
            CASES.map(([name, attributes]) => `${name}=1; ${attributes}`),
          );
          res.end("set");
        } else if (url.pathname === "/session" || url.pathname === "/legacy") {
          // A sealed-session manager on a plain Node server: load, count, commit.
          const manager = url.pathname === "/legacy" ? legacy : sessions;
          const request = new Request(`${base}${url.pathname}`, {
            headers: { cookie: req.headers.cookie ?? "" },
          });
          const session = await manager.load(request);
          session.data.n = (session.data.n ?? 0) + 1;
          const headers = new Headers();
          await manager.commit(session, headers);
          res.setHeader("set-cookie", headers.getSetCookie());
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ id: session.id, n: session.data.n, isNew: session.isNew }));
        } else {
          res.setHeader("content-type", "text/html");
          res.end("<!doctype html><title>prefixes</title>");
        }
      });
      await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium(chromiumPath);
    });

    after(async () => {
      await browser?.close();
      await new Promise((done) => server?.close(done));
    });

    it("stores a prefixed cookie from a response only with the attributes its prefix needs", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/set`);
      const stored = new Set((await context.cookies(`${base}/app/x`)).map((cookie) => cookie.name));
      const seen = CASES.map(([name, attributes]) => `${name} (${attributes}): ${stored.has(name)}`);
      console.log(`chromium ${browser.version()} from ${base}:\n  ${seen.join("\n  ")}`);
      for (const [name, attributes, expected] of CASES) {
        assert.equal(stored.has(name), expected, `${name}=1; ${attributes}`);
      }
      await context.close();
    });

    it("refuses a __Host-Http- cookie with a Domain; an __Http- one may have it", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const local = base.replace("127.0.0.1", "localhost");
      await page.goto(`${local}/set-domain`);
      const names = (await context.cookies(local)).map((cookie) => cookie.name).sort();
      assert.deepEqual(names, ["__Http-domain"]);
      await context.close();
    });

    it("refuses __Host-Http- and __Http- cookies from page script (document.cookie)", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/`);
      // Page script setting cookies is exactly what this test is about.
      await page.evaluate(() => {
        for (const name of ["__Host-Http-script", "__Http-script", "__Host-script"]) {
          // biome-ignore lint/suspicious/noDocumentCookie: the behaviour under test
          document.cookie = `${name}=1; Secure; Path=/`;
        }
      });
      const names = (await context.cookies(base)).map((cookie) => cookie.name).sort();
      assert.deepEqual(names, ["__Host-script"]);
      await context.close();
    });

    it("keeps a session under __Host-Http-session, and a rename from __Host-session logs nobody out", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const read = async (path: string) =>
        JSON.parse((await (await page.goto(`${base}${path}`))?.text()) ?? "null") as {
          id: string;
          n: number;
          isNew: boolean;
        };
      const first = await read("/session");
      const second = await read("/session");
      assert.deepEqual([second.id, second.n, second.isNew], [first.id, 2, false]);
      const flags = async () =>
        (await context.cookies(base)).map((cookie) => [cookie.name, cookie.httpOnly, cookie.secure]);
      assert.deepEqual(await flags(), [["__Host-Http-session", true, true]]);
      await context.close();

      // Another browser that has the old app's cookie: the renamed app reads it and moves it.
      const other = await browser.newContext();
      const tab = await other.newPage();
      const readIn = async (path: string) =>
        JSON.parse((await (await tab.goto(`${base}${path}`))?.text()) ?? "null") as { id: string; n: number };
      const old = await readIn("/legacy");
      assert.deepEqual(
        (await other.cookies(base)).map((cookie) => cookie.name),
        ["__Host-session"],
      );
      const moved = await readIn("/session");
      assert.deepEqual([moved.id, moved.n], [old.id, 2]);
      assert.deepEqual(
        (await other.cookies(base)).map((cookie) => cookie.name),
        ["__Host-Http-session"],
      );
      await other.close();
    });
  });
}
