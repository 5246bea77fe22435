// The demo as a person uses it: headless Chromium against the real `wrangler dev`, through the page
// at `/` and the browser's own cookie store. `npm run test:e2e`; without `chromium` on PATH it
// skips and says so, except under CI=true, where that is a failure.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Cookie, Page } from "playwright-core";
import { createSessions, generateSecret } from "sealed-session";
import { startWranglerDev, type WranglerDev } from "../support/wrangler-dev.ts";
import { findChromium, launchChromium } from "./chromium.ts";

const COOKIE = "__Host-session";
/** The Worker's secret, known here so a test can seal a session that logged in minutes ago. */
const SECRET = generateSecret();
const SHOTS = fileURLToPath(new URL("../../test-output/e2e/", import.meta.url));
const executable = findChromium();
const missing = "no `chromium` on PATH (Debian: apt-get install chromium)";

interface Me {
  user: string | null;
  views: number;
  invalidReason: string | null;
  expiresAt: number;
  idleExpiresAt: number | null;
  stored: Record<string, unknown> | null;
}

if (executable === undefined && process.env.CI === "true") {
  it("finds Chromium (CI=true: the browser tests may not skip)", () => {
    assert.fail(`e2e: ${missing}`);
  });
} else if (executable === undefined) {
  console.log(`e2e: SKIPPED, ${missing}; under CI=true this is a failure`);
  it("the demo in Chromium", { skip: `e2e: ${missing}` }, () => {});
} else {
  const chromiumPath = executable;
  describe("the demo in headless Chromium", { timeout: 600_000 }, () => {
    let dev: WranglerDev;
    let browser: Browser;

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      dev = await startWranglerDev({ vars: { SESSION_SECRETS: SECRET } });
      try {
        browser = await launchChromium(chromiumPath);
      } catch (error) {
        await dev.stop();
        throw error;
      }
    });

    after(async () => {
      await browser?.close();
      await dev?.stop();
    });

    /** A new browser context: its own cookie store, like another device. */
    const device = (): Promise<BrowserContext> => browser.newContext();

    /** Runs `action` and returns what the page's next `GET /api/me` answered, once it is shown. */
    async function meAfter(page: Page, action: () => Promise<unknown>): Promise<Me> {
      const answer = page.waitForResponse(
        (response) => response.url() === `${dev.base}/api/me` && response.request().method() === "GET",
      );
      await action();
      const me = (await (await answer).json()) as Me;
      await page.waitForFunction(
        (views) => document.getElementById("views")?.textContent === String(views),
        me.views,
      );
      return me;
    }

    const open = async (context: BrowserContext) => {
      const page = await context.newPage();
      const me = await meAfter(page, () => page.goto(`${dev.base}/`));
      return { page, me };
    };
    const text = (page: Page, id: string) => page.locator(`#${id}`).textContent();
    const logIn = (page: Page, user: string) =>
      meAfter(page, async () => {
        await page.fill("#name", user);
        await page.click("#login button");
      });

    const sessionCookies = async (context: BrowserContext) =>
      (await context.cookies(dev.base)).filter((cookie) => cookie.name.startsWith(COOKIE));

    function assertFlags(cookie: Cookie): void {
      assert.ok(cookie.name.startsWith("__Host-"), cookie.name);
      assert.equal(cookie.httpOnly, true, `${cookie.name} HttpOnly`);
      assert.equal(cookie.secure, true, `${cookie.name} Secure`);
      assert.equal(cookie.sameSite, "Lax", `${cookie.name} SameSite`);
      assert.equal(cookie.path, "/", `${cookie.name} Path`);
      // __Host- means host-only: no Domain attribute, so the browser stores the exact host.
      assert.equal(cookie.domain, "127.0.0.1", `${cookie.name} host-only`);
    }

    it("a visitor logs in through the form, and the counter rises on every reload", async () => {
      const context = await device();
      const { page, me: first } = await open(context);
      assert.deepEqual([first.user, first.views, first.invalidReason], [null, 1, null]);
      assert.equal(await text(page, "user"), "anonymous");

      const afterLogin = await logIn(page, "ada");
      assert.deepEqual([afterLogin.user, afterLogin.views], ["ada", 2]);
      assert.equal(await text(page, "user"), "ada");
      for (const views of [3, 4]) {
        const me = await meAfter(page, () => page.reload());
        assert.deepEqual([me.user, me.views], ["ada", views]);
        assert.equal(await text(page, "views"), String(views));
      }
      await page.screenshot({ path: `${SHOTS}logged-in.png`, fullPage: true });
    });

    it("stores one __Host- cookie, HttpOnly, Secure, SameSite=Lax, Path=/, expiring with the session; page JS cannot read it", async () => {
      const context = await device();
      const { page } = await open(context);
      const sent = Date.now();
      const me = await logIn(page, "cookie-reader");
      const received = Date.now();
      const cookies = await sessionCookies(context);
      assert.deepEqual(
        cookies.map((cookie) => cookie.name),
        [COOKIE],
      );
      const cookie = cookies[0] as Cookie;
      assertFlags(cookie);
      // Persistent, and gone no later than the session's first deadline (idle or absolute).
      const deadline = Math.min(me.expiresAt, me.idleExpiresAt ?? me.expiresAt) / 1000;
      assert.ok(cookie.expires > Date.now() / 1000 + 60, "a persistent cookie with a future expiry");
      // The server counts Max-Age from when it answered (after `sent`), the browser from when the
      // answer arrived (before `received`): the cookie may outlive the session by that round trip only.
      assert.ok(cookie.expires <= deadline + (received - sent) / 1000, "expires no later than the session");
      assert.equal(await page.evaluate(() => document.cookie), "");
      // The page's own requests still carry it.
      const again = await page.evaluate(async () => (await (await fetch("/api/me")).json()) as Me);
      assert.equal(again.user, "cookie-reader");
    });

    it("after logging out, the old cookie replayed in another browser shows an anonymous page (revoked)", async () => {
      const a = await device();
      const { page } = await open(a);
      await logIn(page, "lin");
      const stolen = await sessionCookies(a);
      assert.equal(stolen.length, 1);

      // Before the logout a copy works: the replay below fails because of the logout, not the copy.
      const before = await device();
      await before.addCookies(stolen);
      assert.equal((await open(before)).me.user, "lin");

      const out = await meAfter(page, () => page.click("#logout"));
      assert.deepEqual([out.user, out.invalidReason], [null, null]);
      assert.equal(await text(page, "user"), "anonymous");
      await page.screenshot({ path: `${SHOTS}logged-out.png`, fullPage: true });

      const b = await device();
      await b.addCookies(stolen);
      const { page: replay, me } = await open(b);
      assert.deepEqual([me.user, me.invalidReason], [null, "revoked"]);
      assert.equal(await text(replay, "user"), "anonymous");
      assert.match((await text(replay, "reason")) ?? "", /^revoked/);
      await replay.screenshot({ path: `${SHOTS}replayed-after-logout.png`, fullPage: true });
    });

    it('"Log out everywhere" in one browser logs the same user out in another', async () => {
      const a = await device();
      const b = await device();
      const { page: pageA } = await open(a);
      const { page: pageB } = await open(b);
      assert.equal((await logIn(pageA, "grace")).user, "grace");
      assert.equal((await logIn(pageB, "grace")).user, "grace");
      assert.equal((await meAfter(pageB, () => pageB.reload())).user, "grace");

      const out = await meAfter(pageA, () => pageA.click("#logout-all"));
      assert.equal(out.user, null);
      const me = await meAfter(pageB, () => pageB.reload());
      assert.deepEqual([me.user, me.invalidReason], [null, "revoked"]);
      assert.equal(await text(pageB, "user"), "anonymous");
    });

    it('"Your devices": one browser ends the other from the panel; the other is logged out on its next request', async () => {
      const [laptop, phone] = [await device(), await device()];
      const { page: laptopPage } = await open(laptop);
      const { page: phonePage } = await open(phone);
      await logIn(phonePage, "devices-user");
      await logIn(laptopPage, "devices-user");
      // The laptop's panel lists both: newest (this device) first, each with an End button.
      const items = laptopPage.locator("#devices li");
      await items.nth(1).waitFor();
      assert.equal(await items.count(), 2);
      assert.match((await items.nth(0).textContent()) ?? "", /\(this device\)/);
      assert.doesNotMatch((await items.nth(1).textContent()) ?? "", /this device/);
      await laptopPage.screenshot({ path: `${SHOTS}devices.png`, fullPage: true });
      const ended = laptopPage.waitForResponse(
        (response) => response.url().includes("/api/sessions/") && response.request().method() === "DELETE",
      );
      await items.nth(1).locator("button.end").click();
      assert.equal((await ended).status(), 200);
      await laptopPage.waitForFunction(() => document.querySelectorAll("#devices li").length === 1);
      const next = await meAfter(phonePage, () => phonePage.reload());
      assert.deepEqual([next.user, next.invalidReason], [null, "revoked"]);
      assert.equal(await text(phonePage, "user"), "anonymous");
      assert.match((await text(phonePage, "reason")) ?? "", /^revoked/);
      assert.equal((await meAfter(laptopPage, () => laptopPage.reload())).user, "devices-user");
    });

    it("a session grown past the cookie moves to the store; the cart fills from the page", async () => {
      const context = await device();
      const { page } = await open(context);
      await logIn(page, "shopper");
      // The page's button PUTs 60 KB of random text: far past one cookie.
      await meAfter(page, () => page.click("#grow"));
      const cookies = await sessionCookies(context);
      assert.deepEqual(
        cookies.map((cookie) => cookie.name),
        [COOKIE],
      );
      assertFlags(cookies[0] as Cookie);
      assert.ok((cookies[0] as Cookie).value.length < 1024, "a small sealed pointer");
      const me = await meAfter(page, () => page.reload());
      assert.equal(me.user, "shopper");
      assert.match((await text(page, "stored-in")) ?? "", /server-side store/);
      // Two lines through the form, then one removed.
      for (const sku of ["book", "pen"]) {
        await page.fill("#sku", sku);
        await page.fill("#qty", "2");
        await meAfter(page, () => page.click("#add button"));
      }
      await page.waitForFunction(() => document.querySelectorAll("#cart li").length === 2);
      assert.deepEqual(await page.locator("#cart li span").allTextContents(), ["2 × book", "2 × pen"]);
      await page.screenshot({ path: `${SHOTS}cart.png`, fullPage: true });
      await meAfter(page, () => page.locator('#cart li[data-sku="book"] button.remove').click());
      await page.waitForFunction(() => document.querySelectorAll("#cart li").length === 1);
      assert.equal((await meAfter(page, () => page.reload())).user, "shopper");
    });

    it("the note form posts with its CSRF token; a stale token is refused; the token changes on login", async () => {
      const context = await device();
      const { page } = await open(context);
      const token = async () => page.locator("#csrf").inputValue();
      await page.waitForFunction(
        () => (document.getElementById("csrf") as HTMLInputElement).value.length === 43,
      );
      const before = await token();
      await page.fill("#note", "written in a form");
      // A real form submission (urlencoded, the hidden _csrf field): 303 back to the page.
      const saved = await meAfter(page, () => page.click("#note-form button"));
      assert.equal(saved.user, null);
      assert.equal(await text(page, "note-saved"), "written in a form");

      await logIn(page, "form-user");
      await page.waitForFunction(
        (old) => (document.getElementById("csrf") as HTMLInputElement).value !== old,
        before,
      );
      const after = await token();
      assert.match(after, /^[\w-]{43}$/);
      // The page still holding the token from before the login: refused.
      await page.evaluate((old) => {
        (document.getElementById("csrf") as HTMLInputElement).value = old;
      }, before);
      await page.fill("#note", "with a stale token");
      const [refused] = await Promise.all([
        page.waitForResponse((response) => response.url() === `${dev.base}/form/note`),
        page.click("#note-form button"),
      ]);
      assert.equal(refused.status(), 403);
      assert.deepEqual(await refused.json(), { error: "csrf", reason: "bad_token" });
      const { page: again } = await open(context);
      assert.equal(await text(again, "note-saved"), "written in a form");
      await again.screenshot({ path: `${SHOTS}note-form.png`, fullPage: true });
    });

    it("the sensitive action: allowed after login, refused once the login is 10 minutes old, allowed after logging in again", async () => {
      const context = await device();
      const { page } = await open(context);
      const sensitive = async () => {
        await page.locator("#sensitive-result").evaluate((node) => {
          node.textContent = "";
        });
        await meAfter(page, () => page.click("#sensitive"));
        return (await text(page, "sensitive-result")) ?? "";
      };
      await logIn(page, "grace");
      assert.match(await sensitive(), /^Done/);
      assert.match((await text(page, "fresh")) ?? "", /^yes/);

      // A session that logged in 10 minutes ago (past SESSION_FRESH_AGE, 300 s), as a device that has
      // been open a while holds it. Another user: the registry adopts a session it has not seen.
      const past = createSessions({ secrets: SECRET, now: () => Date.now() - 600_000 });
      const old = await past.load(new Request(dev.base));
      old.login("hopper");
      const headers = new Headers();
      await past.commit(old, headers);
      const pair = (headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
      const [cookie] = await sessionCookies(context);
      assert.ok(cookie);
      await context.addCookies([{ ...cookie, value: pair.slice(pair.indexOf("=") + 1) }]);
      const stale = await meAfter(page, () => page.reload());
      assert.deepEqual([stale.user, stale.invalidReason], ["hopper", null]);
      assert.match((await text(page, "fresh")) ?? "", /^no/);
      assert.match(await sensitive(), /reauth_required/);
      await page.screenshot({ path: `${SHOTS}reauth-required.png`, fullPage: true });

      await logIn(page, "hopper");
      assert.match(await sensitive(), /^Done/);
    });

    it("a tampered cookie shows an anonymous page that says why", async () => {
      const a = await device();
      const { page } = await open(a);
      await logIn(page, "eve-target");
      const [cookie] = await sessionCookies(a);
      assert.ok(cookie);
      let at = Math.floor(cookie.value.length / 2);
      while (!/[A-Za-z0-9]/.test(cookie.value[at] ?? "")) at++;
      const flipped = cookie.value[at] === "A" ? "B" : "A";
      const b = await device();
      await b.addCookies([
        { ...cookie, value: cookie.value.slice(0, at) + flipped + cookie.value.slice(at + 1) },
      ]);
      const { page: forged, me } = await open(b);
      assert.equal(me.user, null);
      assert.ok(
        me.invalidReason === "bad_seal" || me.invalidReason === "malformed",
        String(me.invalidReason),
      );
      assert.equal(await text(forged, "user"), "anonymous");
    });
  });
}
