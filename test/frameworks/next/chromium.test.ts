// One pass over examples/next-app in headless Chromium (Debian's, through playwright-core), with
// JavaScript on: the Server Action runs through Next's client router, the flash notice comes from a
// Route Handler once, the counter form posts to a Route Handler. Without `chromium` on PATH this
// skips and says so, except under CI=true, where that is a failure.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { generateSecret } from "../../../src/index.ts";
import { findChromium, launchChromium } from "../../e2e/chromium.ts";
import { buildOnce, type NextServer, startNext } from "./app.ts";

const executable = findChromium();
const missing = "no `chromium` on PATH (Debian: apt-get install chromium)";

if (executable === undefined && process.env.CI === "true") {
  it("finds Chromium (CI=true: the browser tests may not skip)", () => {
    assert.fail(`next chromium: ${missing}`);
  });
} else if (executable === undefined) {
  console.log(`next chromium: SKIPPED, ${missing}; under CI=true this is a failure`);
  it("examples/next-app in Chromium", { skip: `next chromium: ${missing}` }, () => {});
} else {
  const chromiumPath = executable;
  describe("examples/next-app in headless Chromium", { timeout: 600_000 }, () => {
    let server: NextServer;
    let browser: Browser;

    before(async () => {
      buildOnce();
      server = await startNext({ SESSION_SECRETS: generateSecret() });
      try {
        browser = await launchChromium(chromiumPath);
      } catch (error) {
        await server.stop();
        throw error;
      }
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    it("logs in through the Server Action, shows the flash once, counts through the Route Handler, logs out", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const text = (id: string) => page.locator(`#${id}`).textContent();
      const noticeAnswer = () =>
        page.waitForResponse((response) => response.url() === `${server.base}/api/notice`);

      let answer = noticeAnswer();
      await page.goto(`${server.base}/`);
      assert.deepEqual(await (await answer).json(), { notice: null });
      assert.equal(await text("user"), "anonymous");
      assert.equal(await text("count"), "0");

      answer = noticeAnswer();
      await page.fill("#name", "zoe");
      await page.click("#login button");
      await page.waitForFunction(() => document.getElementById("user")?.textContent === "zoe");
      assert.deepEqual(await (await answer).json(), { notice: "Welcome, zoe" });
      await page.waitForSelector("#notice");
      assert.equal(await text("notice"), "Welcome, zoe");

      for (const count of ["1", "2"]) {
        answer = noticeAnswer();
        await page.click("#increment");
        await page.waitForFunction((n) => document.getElementById("count")?.textContent === n, count);
        assert.deepEqual(await (await answer).json(), { notice: null }, "the flash was read once");
        assert.equal(await page.locator("#notice").count(), 0);
        assert.equal(await text("user"), "zoe");
      }

      const cookies = await context.cookies(server.base);
      assert.deepEqual(
        cookies.map(({ name, httpOnly, secure, sameSite, path }) => ({
          name,
          httpOnly,
          secure,
          sameSite,
          path,
        })),
        [{ name: "__Host-session", httpOnly: true, secure: true, sameSite: "Lax", path: "/" }],
      );
      assert.equal(await page.evaluate(() => document.cookie), "", "page scripts cannot read it");

      await page.click("#logout button");
      await page.waitForFunction(() => document.getElementById("user")?.textContent === "anonymous");
      assert.deepEqual(await context.cookies(server.base), []);
      await page.reload();
      assert.equal(await text("user"), "anonymous");
      assert.equal(await text("count"), "0");
      await context.close();
    });
  });
}
