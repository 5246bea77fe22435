// From a live express-session + connect-redis app to sealed-session/express on the same real Redis:
// users logged in before the switch are still logged in after it, with their data; their next
// response carries the new cookie and clears connect.sid; the sess: record is gone; a replayed
// connect.sid is refused, and so is a forged one; Redis stopping mid-run makes no 5xx.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createClient } from "redis";
import { generateSecret } from "sealed-session";
import type { ExpressSessionMigration, LegacyErrorEvent } from "sealed-session/express";
import { nodeRedisClient } from "sealed-session/revocation";
import { type RunningServer, startServer } from "../../runtimes/examples.ts";
import { isClearing } from "../../support/http.ts";
import { type RedisServer, startRedisServer } from "../../support/redis-server.ts";
import { buildApp, serve } from "./app.ts";
import { type Answer, Browser, exampleCommand } from "./browser.ts";
import { startLegacyApp } from "./legacy-app.mjs";

const COOKIE = "__Host-session";
const OLD_SECRET = "keyboard cat"; // the guide's example secret, as many apps still have it
const NEWER_SECRET = "a newer express-session secret";
const [command, args] = exampleCommand("express-migration", import.meta.url);

let redis: RedisServer;
before(async () => {
  redis = await startRedisServer();
});
after(async () => {
  await redis?.stop();
});

/** The session id inside a connect.sid value (`s%3A<id>.<signature>`). */
const legacyId = (value: string) => {
  const raw = decodeURIComponent(value);
  return raw.slice(2, raw.lastIndexOf("."));
};
/** express-session's signature of `id` under `secret` (cookie-signature), as a cookie value. */
const signed = (id: string, secret: string) =>
  encodeURIComponent(
    `s:${id}.${createHmac("sha256", secret).update(id).digest("base64").replace(/=+$/, "")}`,
  );
const recordExists = async (id: string) => (await redis.command("EXISTS", `sess:${id}`)) === 1;
const clearsLegacy = (answer: Answer) =>
  answer.written.some((c) => c.name === "connect.sid" && isClearing(c));
const setsOurs = (answer: Answer) => answer.written.some((c) => c.name === COOKIE && !isClearing(c));

/** Logs `user` in on the legacy app; returns the browser holding its connect.sid. */
async function legacyLogin(base: string, user: string, cart: string[] = []) {
  const browser = new Browser(base);
  const login = await browser.post("/login", { user, cart });
  assert.equal(login.status, 200);
  assert.ok(browser.jar.get("connect.sid")?.startsWith("s%3A"), "express-session's signed cookie");
  return browser;
}

/** The same cookies, pointed at another server: the browser after the deploy. */
function moved(browser: Browser, base: string): Browser {
  const next = new Browser(base);
  for (const name of browser.jar.names()) next.jar.set(name, browser.jar.get(name)!);
  return next;
}

describe("the switch, with examples/express-migration.ts", () => {
  test("logged-in users stay logged in; replayed and forged connect.sid are refused; Redis down makes no 5xx", async () => {
    // Before: a deploy signed with the old secret, then one that rotated in a newer one.
    const first = await startLegacyApp({ redisUrl: redis.url, secret: OLD_SECRET });
    const ann = await legacyLogin(first.url, "ann", ["book"]);
    await ann.get("/");
    assert.deepEqual((await ann.get("/")).json(), { user: "ann", views: 2, cart: ["book"] });
    await first.close();
    const second = await startLegacyApp({ redisUrl: redis.url, secret: [NEWER_SECRET, OLD_SECRET] });
    const bob = await legacyLogin(second.url, "bob");
    const dave = await legacyLogin(second.url, "dave");
    const eve = await legacyLogin(second.url, "eve");
    const carol = new Browser(second.url); // anonymous, with a cart worth keeping
    await carol.post("/cart", { cart: ["tea"] });
    assert.equal(carol.jar.names().includes("connect.sid"), true);
    await second.close();
    const annLegacy = ann.jar.get("connect.sid")!;
    const eveId = legacyId(eve.jar.get("connect.sid")!);

    // After: this library, same Redis, express-session's secrets handed to the migration.
    const server: RunningServer = await startServer(command, args, {
      REDIS_URL: redis.url,
      LEGACY_SECRETS: `${NEWER_SECRET},${OLD_SECRET}`,
      MIGRATE_UNTIL: new Date(Date.now() + 86_400_000).toISOString(),
    });
    try {
      // Still logged in, with their data; the response moves them to our cookie.
      const annNow = moved(ann, server.url);
      const annFirst = await annNow.get("/");
      assert.deepEqual(annFirst.json(), { user: "ann", views: 3, cart: ["book"] });
      assert.ok(setsOurs(annFirst), "our cookie");
      assert.ok(clearsLegacy(annFirst), "connect.sid cleared");
      assert.equal(await recordExists(legacyId(annLegacy)), false, "the sess: record is gone");
      assert.deepEqual(annNow.jar.names(), [COOKIE]);
      assert.deepEqual((await annNow.get("/")).json(), { user: "ann", views: 4, cart: ["book"] });

      const bobNow = moved(bob, server.url);
      assert.deepEqual((await bobNow.get("/")).json(), { user: "bob", views: 1, cart: [] }, "newer secret");
      const carolNow = moved(carol, server.url);
      assert.deepEqual((await carolNow.get("/")).json(), { user: null, views: 1, cart: ["tea"] });

      // A copy of ann's connect.sid from before the switch: the record was taken, it logs nobody in.
      const replay = new Browser(server.url);
      replay.jar.set("connect.sid", annLegacy);
      const replayed = await replay.get("/");
      assert.deepEqual(replayed.json(), { user: null, views: 1, cart: [] });
      assert.ok(clearsLegacy(replayed));

      // Forged: eve's id with a broken signature, signed with another secret, or not signed at all.
      for (const forged of [
        `${eve.jar.get("connect.sid")!.slice(0, -4)}AAAA`,
        signed(eveId, "not the app's secret"),
        encodeURIComponent(eveId),
      ]) {
        const mallory = new Browser(server.url);
        mallory.jar.set("connect.sid", forged);
        assert.equal((await mallory.get("/")).json<{ user: string | null }>().user, null);
        assert.equal(await recordExists(eveId), true, "a forged cookie does not even reach Redis");
      }
      assert.equal((await moved(eve, server.url).get("/")).json<{ user: string | null }>().user, "eve");

      // Redis stops in the middle of the run.
      await redis.stop();
      const daveNow = moved(dave, server.url);
      const down = await daveNow.get("/");
      assert.equal(down.status, 200);
      assert.equal(down.json<{ user: string | null }>().user, null, "not migrated while Redis is down…");
      assert.equal(clearsLegacy(down), false, "…and connect.sid is kept for a later try");
      assert.equal(
        (await annNow.get("/")).json<{ user: string | null }>().user,
        "ann",
        "migrated users: no Redis",
      );
      const newcomer = new Browser(server.url);
      assert.equal((await newcomer.post("/login", { user: "frank" })).status, 200);
      assert.equal((await newcomer.get("/")).json<{ user: string | null }>().user, "frank");
      for (const browser of [daveNow, annNow, newcomer, new Browser(server.url)]) {
        assert.ok((await browser.get("/")).status < 500);
      }
      const logout = await annNow.post("/logout");
      assert.deepEqual(logout.json(), { user: null });
      assert.deepEqual(annNow.jar.names(), []);
    } finally {
      await server.stop();
      if (!redis.running) await redis.start();
    }
  });
});

describe("migration details (in process)", () => {
  const dir = mkdtempSync(join(tmpdir(), "express-migrate-"));
  const file = join(dir, "f.txt");
  writeFileSync(file, "file");
  const secret = generateSecret();
  let client: Awaited<ReturnType<typeof connect>>;
  const connect = () =>
    createClient({ url: redis.url, disableOfflineQueue: true })
      .on("error", () => {})
      .connect();
  before(async () => {
    client = await connect();
  });
  after(async () => {
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const migrate = (extra: Partial<ExpressSessionMigration> = {}): ExpressSessionMigration => ({
    secret: OLD_SECRET,
    redis: client,
    migrateUntil: new Date(Date.now() + 3_600_000),
    mapLegacy: (record) => ({ userId: record.user as string | undefined, data: { note: "migrated" } }),
    ...extra,
  });
  async function withApp(extra: Partial<ExpressSessionMigration>, run: (base: string) => Promise<void>) {
    const app = await serve(
      buildApp({ options: { secrets: secret }, extra: { migrate: migrate(extra) }, file }),
    );
    try {
      await run(app.url);
    } finally {
      await app.close();
    }
  }
  async function legacyUser(user: string) {
    const legacy = await startLegacyApp({ redisUrl: redis.url, secret: OLD_SECRET });
    try {
      return (await legacyLogin(legacy.url, user)).jar.get("connect.sid")!;
    } finally {
      await legacy.close();
    }
  }

  test("after migrateUntil legacy cookies are ignored: no Redis read, nothing cleared", async () => {
    const cookie = await legacyUser("gus");
    await withApp({ migrateUntil: new Date(Date.now() - 1000) }, async (base) => {
      const browser = new Browser(base);
      browser.jar.set("connect.sid", cookie);
      const answer = await browser.get("/json");
      assert.equal(answer.json<{ user: string | null }>().user, null);
      assert.equal(clearsLegacy(answer), false);
      assert.equal(await recordExists(legacyId(cookie)), true);
    });
  });

  test("the login is a new session id; a connect.sid beside a session of ours is retired, not merged", async () => {
    const cookie = await legacyUser("hal");
    const other = await legacyUser("ida");
    // Through the library's structural client this time (its `command`), not node-redis's getDel.
    await withApp({ redis: nodeRedisClient(client) }, async (base) => {
      const browser = new Browser(base);
      browser.jar.set("connect.sid", cookie);
      const answer = await browser.get("/json");
      assert.equal(answer.json<{ user: string | null }>().user, "hal");
      assert.notEqual(browser.jar.get(COOKIE), undefined);
      // hal's browser somehow still sends ida's old cookie: hal stays hal, ida's record is retired.
      browser.jar.set("connect.sid", other);
      const mixed = await browser.get("/json");
      assert.equal(mixed.json<{ user: string | null }>().user, "hal");
      assert.ok(clearsLegacy(mixed));
      assert.equal(await recordExists(legacyId(other)), false);
    });
  });

  test("mapLegacy returning null drops the record: anonymous, connect.sid cleared", async () => {
    const cookie = await legacyUser("jo");
    await withApp({ mapLegacy: () => null }, async (base) => {
      const browser = new Browser(base);
      browser.jar.set("connect.sid", cookie);
      const answer = await browser.get("/json");
      assert.equal(answer.json<{ user: string | null }>().user, null);
      assert.ok(clearsLegacy(answer));
    });
  });

  test("mapLegacy that throws goes to Express's error handling", async () => {
    const cookie = await legacyUser("kim");
    await withApp(
      {
        mapLegacy: () => {
          throw new Error("mapping failed");
        },
      },
      async (base) => {
        const browser = new Browser(base);
        browser.jar.set("connect.sid", cookie);
        const answer = await browser.get("/json");
        assert.equal(answer.status, 500);
        assert.deepEqual(answer.json(), { error: "mapping failed", name: "Error" });
      },
    );
  });

  test("a stalled Redis: the request goes on after the timeout, anonymous, connect.sid kept; onError hears", async () => {
    const cookie = await legacyUser("lee");
    const events: LegacyErrorEvent[] = [];
    await withApp({ timeout: 200, onError: (event) => events.push(event) }, async (base) => {
      const browser = new Browser(base);
      browser.jar.set("connect.sid", cookie);
      redis.pause();
      let answer: Answer;
      try {
        answer = await browser.get("/json");
      } finally {
        redis.resume();
      }
      assert.equal(answer.status, 200);
      assert.equal(answer.json<{ user: string | null }>().user, null);
      assert.equal(clearsLegacy(answer), false);
      assert.deepEqual(
        events.map((event) => event.kind),
        ["timeout"],
      );
    });
  });

  test("options are checked at start-up", () => {
    const build = (extra: Partial<ExpressSessionMigration>) =>
      buildApp({ options: { secrets: secret }, extra: { migrate: migrate(extra) }, file });
    for (const [extra, option] of [
      [{ migrateUntil: undefined }, "migrateUntil"],
      [{ migrateUntil: new Date(Number.NaN) }, "migrateUntil"],
      [{ secret: [] }, "secret"],
      [{ redis: {} }, "redis"],
      [{ mapLegacy: undefined }, "mapLegacy"],
      [{ name: "bad name" }, "name"],
    ] as [Partial<ExpressSessionMigration>, string][]) {
      assert.throws(
        () => build(extra),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, "invalid_config");
          assert.match(error.message, new RegExp(`\`${option}`));
          return true;
        },
      );
    }
  });
});
