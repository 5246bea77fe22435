// sealed-session/express against a real Express app over real HTTP: every way of ending a response
// carries the cookie exactly once, errors and late changes, bad cookies, concurrency, and the
// express-session-style methods.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createSessions, generateSecret, type SessionsOptions } from "sealed-session";
import { memoryRegistry } from "sealed-session/registry";
import { memoryStore } from "sealed-session/store";
import { isClearing } from "../../support/http.ts";
import { buildApp, EXPRESS_MAJOR, lateErrors, type RunningApp, serve } from "./app.ts";
import { type Answer, Browser } from "./browser.ts";

const COOKIE = "__Host-session";
const secret = generateSecret();
const options: SessionsOptions = { secrets: secret };
const dir = mkdtempSync(join(tmpdir(), "express-adapter-"));
const file = join(dir, "report.bin");
// Larger than a stream's buffers, so it goes out in many writes.
const content = randomBytes(1024 * 1024 + 123);
writeFileSync(file, content);

let app: RunningApp;
before(async () => {
  app = await serve(buildApp({ options, file }));
});
after(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The session cookies a response set (not cleared). */
const ours = (answer: Answer) => answer.written.filter((c) => c.name === COOKIE && !isClearing(c));

async function views(browser: Browser): Promise<number> {
  const answer = await browser.get("/json");
  return answer.json<{ views: number }>().views - 1; // this call counted one more
}

describe("every way of ending a response carries the session cookie, once", () => {
  const routes: [string, (answer: Answer) => void][] = [
    ["/json", (a) => assert.equal(a.headers.get("content-type"), "application/json; charset=utf-8")],
    ["/send", (a) => assert.match(a.text, /^views \d+$/)],
    ["/status", (a) => assert.equal(a.status, 204)],
    ["/redirect", (a) => assert.equal(a.headers.get("location"), "/json")],
    ["/file", (a) => assert.deepEqual(Buffer.from(a.body), content)],
    [
      "/download",
      (a) => {
        assert.deepEqual(Buffer.from(a.body), content);
        assert.match(a.headers.get("content-disposition") ?? "", /^attachment; filename="?report\.bin"?$/);
      },
    ],
    ["/pipe", (a) => assert.deepEqual(Buffer.from(a.body), content)],
    ["/write", (a) => assert.match(a.text, /^views \d+\n$/)],
    [
      "/writehead",
      (a) =>
        assert.ok(
          a.written.some((c) => c.name === "theme" && c.value === "dark"),
          "the app's cookie too",
        ),
    ],
    ["/flush", (a) => assert.equal(a.text, "flushed")],
    ["/head-only", (a) => assert.equal(a.text, "")],
  ];
  for (const [path, check] of routes) {
    test(`GET ${path}`, async () => {
      const browser = new Browser(app.url);
      for (let visit = 1; visit <= 2; visit++) {
        const answer = await browser.get(path);
        assert.ok(answer.status < 400, `${path}: ${answer.status} ${answer.text.slice(0, 200)}`);
        check(answer);
        assert.equal(ours(answer).length, 1, `${path}: one session cookie, visit ${visit}`);
        assert.equal(answer.headers.get("cache-control"), "private, no-store");
      }
      assert.equal(await views(browser), 2, "both visits were counted in the cookie");
    });
  }

  test("HEAD of a JSON route", async () => {
    const browser = new Browser(app.url);
    const answer = await browser.request("/json", { method: "HEAD" });
    assert.equal(answer.status, 200);
    assert.equal(ours(answer).length, 1);
    assert.equal(await views(browser), 1);
  });

  test("a response that does not touch the session sets no cookie", async () => {
    const browser = new Browser(app.url);
    const answer = await browser.get("/items");
    assert.deepEqual(answer.written, []);
    assert.equal(answer.headers.get("cache-control"), null, "no session, nothing about caching");
  });
});

describe("errors", () => {
  test("an error thrown in a handler: the error handler's response carries the session", async () => {
    const browser = new Browser(app.url);
    const answer = await browser.get("/throw");
    assert.equal(answer.status, 500);
    assert.deepEqual(answer.json(), { error: "handler failed", name: "Error" });
    assert.equal(ours(answer).length, 1);
    assert.equal(await views(browser), 1, "the change made before the throw was committed");
  });

  test("next(error) reaches Express's own handler, cookie included", async () => {
    const browser = new Browser(app.url);
    const teapot = await browser.get("/next-error");
    assert.equal(teapot.status, 418);
    assert.equal(ours(teapot).length, 1);
    assert.equal(await views(browser), 1);
  });

  // Express 4 leaves a handler's rejected promise to the app (the request waits for ever, as it does
  // without this middleware); Express 5 hands it to next(error).
  const express4 = EXPRESS_MAJOR < 5 && "Express 4 does not catch a rejected handler";
  test("a rejected async handler reaches Express's own handler, cookie included", {
    skip: express4,
  }, async () => {
    const browser = new Browser(app.url);
    const thrown = await browser.get("/throw-async");
    assert.equal(thrown.status, 500);
    assert.equal(ours(thrown).length, 1);
    assert.equal(await views(browser), 1);
  });

  test("a handler that throws after sending: never a second response mixed into the first", async () => {
    // Express's handler sees headersSent (true from res.json on, as without the hold) and closes the
    // connection; the client gets the response or a closed connection, never a 500 head on this body.
    for (let attempt = 0; attempt < 5; attempt++) {
      const browser = new Browser(app.url);
      const answer = await browser.get("/send-then-throw").catch((error: Error) => error);
      if (answer instanceof Error) continue;
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json(), { sent: true });
    }
    assert.equal((await new Browser(app.url).get("/json")).status, 200, "the server goes on");
  });

  test("a session that no longer fits: CookieTooLargeError reaches the error handler, not the client", async () => {
    const browser = new Browser(app.url);
    await browser.get("/json");
    const cookieBefore = browser.jar.get(COOKIE);
    const answer = await browser.put("/blob?bytes=6000");
    assert.equal(answer.status, 500);
    assert.deepEqual(answer.json(), { error: "too_large", name: "CookieTooLargeError" });
    assert.equal(answer.headers.get("content-length"), String(answer.body.length), "the error's own length");
    assert.deepEqual(ours(answer), [], "no cookie: the browser keeps the one it had");
    assert.equal(browser.jar.get(COOKIE), cookieBefore);
    assert.equal(await views(browser), 1, "the session is as it was");
  });

  test("data JSON cannot carry: DataError reaches the error handler", async () => {
    const browser = new Browser(app.url);
    const answer = await browser.get("/bad-data");
    assert.equal(answer.status, 500);
    assert.deepEqual(answer.json(), { error: "not_json", name: "DataError" });
    assert.deepEqual(ours(answer), []);
  });

  test("changing the session after the response started throws SessionCommittedError", async () => {
    const browser = new Browser(app.url);
    await browser.put("/items", { items: ["a"] });
    const answer = await browser.get("/late?id=late-1");
    assert.equal(answer.status, 200);
    assert.equal(ours(answer).length, 1);
    assert.deepEqual(lateErrors.get("late-1"), [
      "data:committed",
      "nested:committed",
      "replace:committed",
      "login:committed",
      "destroy:committed",
      "regenerate:committed",
      "flash:committed",
      "save:committed",
      "read:1",
    ]);
    const after = await browser.get("/json");
    assert.equal(after.json<{ user: string | null }>().user, null, "the late login did not happen");
    assert.deepEqual((await browser.get("/items")).json(), { items: ["a"] }, "the late push did not land");
  });

  test("… and a late callback-style method gets it as its error", async () => {
    const browser = new Browser(app.url);
    const answer = await browser.get("/late-callback?id=late-2");
    assert.equal(answer.text, "sent");
    assert.equal(ours(answer).length, 1, "the session was written, not destroyed");
    assert.deepEqual(lateErrors.get("late-2"), ["destroy-callback:committed"]);
  });
});

describe("bad cookies become anonymous sessions with a reason, and are replaced", () => {
  const other = createSessions({ secrets: generateSecret() });
  const past = createSessions({ secrets: secret, maxAge: 60, now: () => Date.now() - 3_600_000 });
  const sealWith = async (manager: typeof other) => {
    const session = await manager.load(new Headers());
    session.data.views = 41;
    const headers = new Headers();
    await manager.commit(session, headers);
    const line = headers.getSetCookie()[0]!;
    return line.slice(line.indexOf("=") + 1, line.indexOf(";"));
  };
  const cases: [string, () => Promise<string>][] = [
    [
      "bad_seal",
      async () => {
        const browser = new Browser(app.url);
        await browser.get("/json");
        const token = browser.jar.get(COOKIE)!;
        const at = token.length - 10;
        return token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
      },
    ],
    ["malformed", async () => "not-a-token"],
    ["unknown_key", () => sealWith(other)],
    ["expired", () => sealWith(past)],
    ["too_large", async () => "x".repeat(5000)],
  ];
  for (const [reason, make] of cases) {
    test(reason, async () => {
      const browser = new Browser(app.url);
      browser.jar.set(COOKIE, await make());
      const answer = await browser.get("/json");
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json(), { views: 1, user: null, reason });
      assert.equal(ours(answer).length, 1, "a fresh cookie replaces it");
      assert.equal(await views(browser), 1);
    });
  }
});

test("concurrent requests: many browsers at once, and one browser's parallel requests", async () => {
  const browsers = Array.from({ length: 30 }, () => new Browser(app.url));
  await Promise.all(
    browsers.map(async (browser) => {
      for (const path of ["/json", "/send", "/write", "/redirect"]) await browser.get(path);
    }),
  );
  assert.deepEqual(
    await Promise.all(browsers.map(views)),
    browsers.map(() => 4),
  );

  const one = new Browser(app.url);
  await one.get("/json");
  const cookie = one.jar.header;
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => one.request("/json", { headers: { cookie } })),
  );
  for (const answer of answers) {
    assert.equal(answer.status, 200);
    assert.equal(answer.json<{ views: number }>().views, 2, "each saw the same session");
    assert.equal(ours(answer).length, 1);
  }
});

describe("express-session's methods, with callbacks and as promises", () => {
  test("regenerate(callback): a new id, data cleared, the user kept", async () => {
    const browser = new Browser(app.url);
    await browser.post("/login", { user: "ada" });
    await browser.get("/json");
    const before = browser.jar.get(COOKIE);
    const answer = await browser.post("/regenerate-callback");
    assert.deepEqual(answer.json(), { changed: true, user: "ada" });
    assert.notEqual(browser.jar.get(COOKIE), before);
    assert.equal(await views(browser), 0, "regenerate starts from empty data");
  });

  test("regenerate({ keep }) as a promise", async () => {
    const browser = new Browser(app.url);
    await browser.get("/json");
    assert.deepEqual((await browser.post("/regenerate-promise")).json(), { views: 1, user: null });
  });

  test("destroy(callback) clears the cookie", async () => {
    const browser = new Browser(app.url);
    await browser.post("/login", { user: "ada" });
    const answer = await browser.post("/logout-callback");
    assert.deepEqual(answer.json(), { destroyed: true });
    assert.ok(answer.written.some((c) => c.name === COOKIE && isClearing(c)));
    assert.deepEqual(browser.jar.names(), []);
  });

  test("save(callback) then redirect: the redirect carries the change", async () => {
    const browser = new Browser(app.url);
    const answer = await browser.post("/save-callback");
    assert.equal(answer.status, 303);
    assert.equal(ours(answer).length, 1);
    assert.equal(await views(browser), 0);
  });

  test("save(callback) hands data JSON cannot carry to the callback", async () => {
    const browser = new Browser(app.url);
    assert.deepEqual((await browser.post("/save-bad")).json(), { saveError: "not_json" });
  });

  test("reload(callback) and reload() drop this request's changes", async () => {
    const browser = new Browser(app.url);
    await browser.get("/json");
    await browser.get("/json");
    assert.deepEqual((await browser.post("/reload-callback")).json(), { note: null, views: 2 });
    assert.deepEqual((await browser.post("/reload-promise")).json(), { note: null, views: 2 });
  });

  test("touch() with idleTimeout re-writes an unchanged session", async () => {
    const touchy = await serve(buildApp({ options: { secrets: secret, idleTimeout: 3600 }, file }));
    try {
      const browser = new Browser(touchy.url);
      await browser.get("/json");
      const plain = await browser.get("/items");
      assert.deepEqual(ours(plain), [], "an unchanged session inside refreshAfter is not re-written");
      const touched = await browser.post("/touch");
      assert.deepEqual(touched.json(), { touched: true });
      assert.equal(ours(touched).length, 1);
    } finally {
      await touchy.close();
    }
  });

  test("req.sessions is the manager", async () => {
    const browser = new Browser(app.url);
    const answer = await browser.get("/manager");
    assert.equal(answer.json<{ cookieName: string }>().cookieName, COOKIE);
  });
});

describe("mounting and options", () => {
  test("mounted twice: one session, one cookie", async () => {
    const twice = await serve(buildApp({ options, file, twice: true }));
    try {
      const browser = new Browser(twice.url);
      const answer = await browser.get("/json");
      assert.equal(ours(answer).length, 1);
      assert.equal(answer.headers.getSetCookie().length, 1);
      assert.equal(await views(browser), 1);
    } finally {
      await twice.close();
    }
  });

  test("options from a function of the request; a function that throws is a ConfigError for the error handler", async () => {
    const tenants: Record<string, SessionsOptions> = {
      a: { secrets: generateSecret(), cookie: { name: "a" } },
      b: { secrets: generateSecret(), cookie: { name: "b" } },
    };
    const perTenant = await serve(
      buildApp({
        options: (req) => {
          const tenant = tenants[String(req.headers["x-tenant"])];
          if (!tenant) throw new Error("unknown tenant");
          return tenant;
        },
        file,
      }),
    );
    try {
      const browser = new Browser(perTenant.url);
      const a = await browser.request("/json", { headers: { "x-tenant": "a" } });
      assert.deepEqual(
        a.written.map((c) => c.name),
        ["__Host-a"],
      );
      const b = await browser.request("/json", { headers: { "x-tenant": "b" } });
      assert.deepEqual(
        b.written.map((c) => c.name),
        ["__Host-b"],
      );
      const none = await browser.get("/json");
      assert.equal(none.status, 500);
      assert.deepEqual(none.json(), { error: "invalid_config", name: "ConfigError" });
    } finally {
      await perTenant.close();
    }
  });

  test("a server-side store comes through the same options: concurrent changes to different keys both land", async () => {
    const stored = await serve(
      buildApp({ options: { secrets: secret, store: { store: memoryStore(), mode: "always" } }, file }),
    );
    try {
      const browser = new Browser(stored.url);
      await browser.get("/json");
      const cookie = browser.jar.header;
      const [items, json] = await Promise.all([
        browser.request("/items", { method: "PUT", body: { items: ["a", "b"] }, headers: { cookie } }),
        browser.request("/json", { headers: { cookie } }),
      ]);
      assert.equal(items.status, 200);
      assert.equal(json.status, 200);
      assert.deepEqual((await browser.get("/items")).json(), { items: ["a", "b"] });
      assert.equal(await views(browser), 2, "both requests' changes are in the store");
    } finally {
      await stored.close();
    }
  });

  test("a misconfiguration stops the app at start-up", () => {
    assert.throws(() => buildApp({ options: { secrets: "short" }, file }), { code: "invalid_config" });
  });

  test("a login the registry cannot record is answered 503 login_unavailable, without a cookie", async () => {
    const registry = {
      ...memoryRegistry(),
      register: () => Promise.reject(new Error("registry down")),
    };
    const failing = await serve(
      buildApp({ options: { secrets: secret, registry: { store: registry, onStoreError: () => {} } }, file }),
    );
    try {
      const browser = new Browser(failing.url);
      await browser.get("/json");
      const answer = await browser.post("/login", { user: "ada" });
      assert.equal(answer.status, 503);
      assert.deepEqual(answer.json(), { error: "login_unavailable" });
      assert.deepEqual(ours(answer), []);
      assert.equal(answer.headers.get("retry-after"), "5");
    } finally {
      await failing.close();
    }
  });
});
