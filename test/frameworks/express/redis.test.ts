// sealed-session/express in Redis mode: the data store (redisStore, mode "always" as with
// connect-redis, and "auto") and the registry (redisRegistry) on a real redis-server, through
// node-redis and ioredis, over real HTTP against the test app: login, counter and logout with the
// data in Redis; every way of ending a response; concurrent changes to different keys that all land;
// a change after the headers; store failures as typed errors for Express's error handling with no
// cookie moved; Redis stopped or stalled in the middle of a run — no crash, no hung response.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { generateSecret, type SessionsOptions } from "sealed-session";
import { redisRegistry } from "sealed-session/registry";
import {
  ioredisClient,
  nodeRedisClient,
  type RedisClientLike,
  redisStore,
  type StoreOptions,
} from "sealed-session/store";
import { isClearing } from "../../support/http.ts";
import { type RedisServer, startRedisServer } from "../../support/redis-server.ts";
import { buildApp, lateErrors, type RunningApp, serve } from "./app.ts";
import { type Answer, Browser } from "./browser.ts";
import { startLegacyApp } from "./legacy-app.mjs";

const COOKIE = "__Host-session";
const secret = generateSecret();
const namingKey = generateSecret();
const dir = mkdtempSync(join(tmpdir(), "express-redis-"));
const file = join(dir, "report.bin");
writeFileSync(file, "x".repeat(256 * 1024));

let redis: RedisServer;
before(async () => {
  // Persistence, so Redis comes back from the outage with its data, as a production one would.
  redis = await startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
});
after(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Connection {
  readonly client: RedisClientLike;
  close(): Promise<void>;
}

// Both created as docs/redis.md recommends: no offline queue, so a down Redis fails at once.
const CLIENTS: [string, (url: string) => Promise<Connection>][] = [
  [
    "node-redis",
    async (url) => {
      const client = createClient({ url, disableOfflineQueue: true });
      client.on("error", () => {});
      await client.connect();
      return { client: nodeRedisClient(client), close: async () => client.destroy() };
    },
  ],
  [
    "ioredis",
    async (url) => {
      const client = new Redis(url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
      });
      client.on("error", () => {});
      await client.connect();
      return { client: ioredisClient(client), close: async () => client.disconnect() };
    },
  ],
];

/** Every key under `prefix` (SCAN, as docs/redis.md says tools should list). */
async function keysUnder(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = (await redis.command("SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "1000")) as [
      string,
      string[],
    ];
    found.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return found;
}

/** The session cookies a response set (not cleared). */
const ours = (answer: Answer) => answer.written.filter((c) => c.name === COOKIE && !isClearing(c));
const peek = async (browser: Browser) =>
  (await browser.get("/peek")).json<{ user: string | null; views: number | null; reason: string | null }>();
/** A browser that sends `cookie` as its session cookie. */
function holding(base: string, cookie: string): Browser {
  const browser = new Browser(base);
  browser.jar.set(COOKIE, cookie);
  return browser;
}

/** Asks until `ready` holds, while a client reconnects after Redis came back (at most ~15 s). */
async function eventually<T>(ask: () => Promise<T>, ready: (value: T) => boolean): Promise<T> {
  let value = await ask();
  for (let tries = 0; !ready(value) && tries < 300; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await ask();
  }
  return value;
}

for (const [label, connect] of CLIENTS) {
  describe(`Redis mode through ${label}`, () => {
    let connection: Connection;
    before(async () => {
      connection = await connect(redis.url);
    });
    after(async () => {
      await connection?.close();
    });

    /** Session options on Redis under fresh key prefixes: the store as `store` says, the registry unless `registry: false`. */
    function redisOptions(
      store: Omit<StoreOptions, "store"> = { mode: "always" },
      { registry = true, timeout }: { registry?: boolean; timeout?: number } = {},
    ) {
      const prefix = `express:${randomUUID().slice(0, 8)}:`;
      const options: SessionsOptions = {
        secrets: secret,
        store: { store: redisStore(connection.client, { prefix: `${prefix}data:` }), ...store },
        ...(registry && {
          registry: {
            store: redisRegistry(connection.client, { namingKey, prefix: `${prefix}registry:` }),
            ...(timeout !== undefined && { timeout }),
          },
        }),
      };
      return { options, data: `${prefix}data:`, registry: `${prefix}registry:` };
    }

    async function withApp(
      made: ReturnType<typeof redisOptions>,
      run: (base: string, prefixes: { data: string; registry: string }) => Promise<void>,
    ) {
      const app: RunningApp = await serve(buildApp({ options: made.options, file }));
      try {
        await run(app.url, made);
      } finally {
        await app.close();
      }
    }

    test("login, counter, logout: the data lives in Redis, the cookie carries its key; logout deletes it", async () => {
      await withApp(redisOptions(), async (base, prefix) => {
        const browser = new Browser(base);
        // As express-session with saveUninitialized: false: a session nobody wrote to costs nothing.
        assert.deepEqual((await browser.get("/items")).written, []);
        assert.deepEqual(await keysUnder(prefix.data), []);
        assert.deepEqual((await browser.get("/json")).json(), { views: 1, user: null, reason: null });
        const [record, ...more] = await keysUnder(prefix.data);
        assert.ok(record !== undefined && more.length === 0, "one record");
        assert.match(String(await redis.command("GET", record)), /"views":1/);
        const anonymous = browser.jar.get(COOKIE)!;

        const login = await browser.post("/login", { user: "ada" });
        assert.deepEqual(login.json(), { user: "ada" });
        assert.equal(ours(login).length, 1);
        assert.ok((await keysUnder(prefix.registry)).length > 0, "the login is registered");
        assert.deepEqual(await keysUnder(prefix.data), [record], "the record moved to the new id, same key");
        assert.equal(
          (await peek(holding(base, anonymous))).reason,
          "revoked",
          "the cookie from before the login",
        );

        assert.deepEqual((await browser.get("/json")).json(), { views: 2, user: "ada", reason: null });
        assert.match(String(await redis.command("GET", record)), /"views":2/);
        // 5 KB of data: the cookie stays the size of a key.
        const items = Array.from({ length: 50 }, (_, i) => `${i}`.padEnd(100, "."));
        assert.equal((await browser.put("/items", { items })).status, 200);
        assert.deepEqual((await browser.get("/items")).json(), { items });
        assert.ok(
          browser.jar.get(COOKIE)!.length < 600,
          `cookie of ${browser.jar.get(COOKIE)!.length} bytes`,
        );
        const sessions = (await browser.get("/sessions")).json<{ current: boolean }[]>();
        assert.deepEqual(
          sessions.map((s) => s.current),
          [true],
          "the registry lists it",
        );

        const loggedIn = browser.jar.get(COOKIE)!;
        const logout = await browser.post("/logout-callback");
        assert.deepEqual(logout.json(), { destroyed: true });
        assert.deepEqual(browser.jar.names(), [], "the cookie is cleared");
        assert.deepEqual(await keysUnder(prefix.data), [], "the record is deleted");
        assert.deepEqual(await peek(holding(base, loggedIn)), { user: null, views: null, reason: "revoked" });
      });
    });

    test("every way of ending a response carries the cookie once, and the change reaches Redis", async () => {
      await withApp(redisOptions(), async (base) => {
        const routes = ["/json", "/send", "/status", "/redirect", "/file", "/download", "/pipe", "/write"];
        for (const path of [...routes, "/writehead", "/flush", "/head-only", "/throw"]) {
          const browser = new Browser(base);
          for (let visit = 1; visit <= 2; visit++) {
            const answer = await browser.get(path);
            assert.equal(answer.status < 400, path !== "/throw", `${path}: ${answer.status}`);
            // The first visit creates the record and its cookie; the second changes only data the
            // record holds, so the cookie the browser has stays as it is.
            const expected = visit === 1 ? 1 : 0;
            assert.equal(
              ours(answer).length,
              expected,
              `${path}: ${expected} session cookie, visit ${visit}`,
            );
          }
          assert.equal((await peek(browser)).views, 2, `${path}: both visits counted in the store`);
        }
      });
    });

    test("concurrent requests changing different keys all land; the same key with conflicts: error is a StoreConflictError", async () => {
      await withApp(redisOptions(), async (base) => {
        const browser = new Browser(base);
        await browser.post("/cart", { sku: "first" });
        const cookie = browser.jar.header;
        // Ten requests that all loaded the same cart before any of them changes it.
        const group = randomUUID();
        const answers = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            browser.request(`/cart?group=${group}&n=10`, {
              method: "POST",
              body: { sku: `sku-${i}` },
              headers: { cookie },
            }),
          ),
        );
        assert.deepEqual(
          answers.map((a) => a.status),
          answers.map(() => 200),
        );
        const cart = (await browser.get("/cart")).json<{ cart: Record<string, number> }>().cart;
        assert.equal(Object.keys(cart).length, 11, "every line landed");
      });
      await withApp(redisOptions({ mode: "always", conflicts: "error" }), async (base) => {
        const browser = new Browser(base);
        await browser.post("/cart", { sku: "tea" });
        const cookie = browser.jar.header;
        const group = randomUUID();
        const answers = await Promise.all(
          [0, 1].map(() =>
            browser.request(`/cart?group=${group}&n=2`, {
              method: "POST",
              body: { sku: "tea" },
              headers: { cookie },
            }),
          ),
        );
        const statuses = answers.map((a) => a.status).sort();
        assert.deepEqual(statuses, [200, 500]);
        const refused = answers.find((a) => a.status === 500)!;
        assert.deepEqual(refused.json(), { error: "store_conflict", name: "StoreConflictError" });
        assert.deepEqual(ours(refused), [], "no cookie for the refused change");
        assert.deepEqual((await browser.get("/cart")).json(), { cart: { tea: 2 } });
      });
    });

    test("a change after the response started throws SessionCommittedError and never reaches Redis", async () => {
      await withApp(redisOptions(), async (base, prefix) => {
        const browser = new Browser(base);
        await browser.put("/items", { items: ["a"] });
        const id = `redis-late-${label}`;
        const answer = await browser.get(`/late?id=${id}`);
        assert.equal(answer.status, 200);
        assert.deepEqual(lateErrors.get(id), [
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
        assert.deepEqual((await browser.get("/items")).json(), { items: ["a"] });
        const [record] = await keysUnder(prefix.data);
        assert.doesNotMatch(String(await redis.command("GET", record!)), /too late/);
        assert.equal((await peek(browser)).user, null, "the late login did not happen");
      });
    });

    test("a write Redis refuses: StoreWriteError reaches the error handler, no cookie moves, the data is as it was", async () => {
      await withApp(redisOptions(), async (base) => {
        const browser = new Browser(base);
        await browser.put("/items", { items: ["a"] });
        const cookie = browser.jar.get(COOKIE);
        // A full Redis under noeviction: reads work, every write is refused (OOM).
        await redis.command("CONFIG", "SET", "maxmemory", "1");
        let answer: Answer;
        try {
          answer = await browser.put("/items", { items: ["a", "b"] });
        } finally {
          await redis.command("CONFIG", "SET", "maxmemory", "0");
        }
        assert.equal(answer.status, 500);
        assert.deepEqual(answer.json(), { error: "store_write_failed", name: "StoreWriteError" });
        assert.deepEqual(answer.written, [], "no cookie written or cleared");
        assert.equal(browser.jar.get(COOKIE), cookie);
        assert.deepEqual((await browser.get("/items")).json(), { items: ["a"] });

        const large = await browser.put("/blob?bytes=70000");
        assert.deepEqual(
          large.json(),
          { error: "too_large", name: "StoreWriteError" },
          "past store.maxBytes",
        );
        assert.deepEqual(large.written, []);
        assert.deepEqual((await browser.get("/items")).json(), { items: ["a"] });
      });
    });

    test("express-session's methods: regenerate(cb) moves the record, reload(cb) reads Redis again", async () => {
      await withApp(redisOptions(), async (base) => {
        const browser = new Browser(base);
        await browser.get("/json");
        await browser.get("/json");
        assert.deepEqual((await browser.post("/reload-callback")).json(), { note: null, views: 2 });
        const before = browser.jar.get(COOKIE)!;
        assert.deepEqual((await browser.post("/regenerate-callback")).json(), { changed: true, user: null });
        assert.equal((await peek(holding(base, before))).reason, "revoked", "the old id's copy is refused");
        assert.deepEqual(await peek(browser), { user: null, views: null, reason: null });
        assert.deepEqual((await browser.post("/regenerate-promise")).json(), { views: null, user: null });
      });
    });

    test('mode "auto": a session stays in the cookie until it outgrows it, then moves to Redis', async () => {
      await withApp(redisOptions({ mode: "auto" }, { registry: false }), async (base, prefix) => {
        const browser = new Browser(base);
        await browser.get("/json");
        assert.deepEqual(await keysUnder(prefix.data), [], "a small session: no Redis");
        // Too large for a cookie (a CookieTooLargeError in cookie mode): it moves to the store.
        const moved = await browser.put("/blob?bytes=6000");
        assert.equal(moved.status, 200);
        assert.equal((await keysUnder(prefix.data)).length, 1);
        assert.ok(browser.jar.get(COOKIE)!.length < 600);
        assert.equal((await peek(browser)).views, 1);
      });
    });

    test("from express-session + connect-redis straight to Redis mode, same Redis, same client: still logged in", async () => {
      const legacy = await startLegacyApp({ redisUrl: redis.url, secret: "keyboard cat" });
      let sid: string;
      try {
        const before = new Browser(legacy.url);
        await before.post("/login", { user: "ann", cart: ["book"] });
        sid = before.jar.get("connect.sid")!;
      } finally {
        await legacy.close();
      }
      const legacyKey = `sess:${decodeURIComponent(sid).slice(2, decodeURIComponent(sid).lastIndexOf("."))}`;
      assert.equal(await redis.command("EXISTS", legacyKey), 1);
      const made = redisOptions();
      const app = await serve(
        buildApp({
          options: made.options,
          extra: {
            migrate: {
              secret: "keyboard cat",
              redis: connection.client, // the store's client serves the migration's GETDEL too
              migrateUntil: new Date(Date.now() + 3_600_000),
              mapLegacy: (record) => ({
                userId: String(record.user),
                data: { items: record.cart as string[] },
              }),
            },
          },
          file,
        }),
      );
      try {
        const browser = new Browser(app.url);
        browser.jar.set("connect.sid", sid);
        const first = await browser.get("/items");
        assert.deepEqual(first.json(), { items: ["book"] });
        assert.deepEqual(browser.jar.names(), [COOKIE], "connect.sid cleared, ours set");
        assert.equal(await redis.command("EXISTS", legacyKey), 0, "the sess: record is gone");
        const [record, ...more] = await keysUnder(made.data);
        assert.ok(record !== undefined && more.length === 0);
        assert.match(String(await redis.command("GET", record)), /"items":\["book"\]/);
        assert.equal((await peek(browser)).user, "ann");
      } finally {
        await app.close();
      }
    });

    test("Redis stopped mid-run: no crash, no hung response, typed errors; the same app recovers", async () => {
      await withApp(redisOptions(), async (base) => {
        const ada = new Browser(base);
        await ada.post("/login", { user: "ada" });
        await ada.get("/json");
        const visitor = new Browser(base);
        await visitor.put("/items", { items: ["kept"] });
        const leaving = new Browser(base);
        await leaving.post("/login", { user: "bob" });
        const [adaCookie, visitorCookie, bobCookie] = [
          ada.jar.header,
          visitor.jar.header,
          leaving.jar.get(COOKIE)!,
        ];

        await redis.stop();
        try {
          // Reads fail closed: anonymous and read-only for this response, the cookie kept.
          const read = await ada.get("/json");
          assert.equal(read.status, 200);
          assert.deepEqual(read.json(), { views: 1, user: null, reason: "revocation_unavailable" });
          assert.deepEqual(read.written, []);
          const stored = await visitor.get("/json");
          assert.equal(stored.json<{ reason: string }>().reason, "store_unavailable");
          assert.deepEqual(stored.written, []);
          // Writes are typed errors with no cookie.
          const fresh = await new Browser(base).get("/json");
          assert.deepEqual(fresh.json(), { error: "store_write_failed", name: "StoreWriteError" });
          assert.deepEqual(fresh.written, []);
          const login = await new Browser(base).post("/login", { user: "eve" });
          assert.equal(login.status, 503);
          assert.deepEqual(login.json(), { error: "login_unavailable" });
          assert.deepEqual(ours(login), []);
          // A logout still logs out here: the cookie is cleared.
          assert.deepEqual((await leaving.post("/logout-callback")).json(), { destroyed: true });
          assert.deepEqual(leaving.jar.names(), []);
          assert.equal(ada.jar.header, adaCookie, "the cookies survive the outage");
          assert.equal(visitor.jar.header, visitorCookie);
        } finally {
          await redis.start();
        }
        // Back with its data: the same app and client serve the same sessions, no restart.
        const back = await eventually(
          () => peek(ada),
          (answer) => answer.user === "ada",
        );
        assert.deepEqual(back, { user: "ada", views: 1, reason: null });
        await eventually(
          () => visitor.get("/items"),
          (answer) => answer.status === 200 && answer.json<{ items: string[] }>().items.length > 0,
        );
        assert.deepEqual((await visitor.get("/items")).json(), { items: ["kept"] });
        assert.deepEqual((await ada.get("/json")).json(), { views: 2, user: "ada", reason: null });
        assert.equal((await new Browser(base).post("/login", { user: "eve" })).status, 200);
        // As docs/express.md says: a logout during the outage cleared the cookie but could delete
        // nothing in Redis, so a copy of that cookie is good again until the session expires.
        assert.equal((await peek(holding(base, bobCookie))).user, "bob");
      });
    });

    test("Redis stalled (accepts, never answers): every request ends at the timeout, typed", async () => {
      await withApp(redisOptions({ mode: "always", timeout: 300 }, { timeout: 300 }), async (base) => {
        const ada = new Browser(base);
        await ada.post("/login", { user: "ada" });
        await ada.get("/json");
        const visitor = new Browser(base);
        await visitor.get("/json");
        redis.pause();
        try {
          assert.equal((await peek(ada)).reason, "revocation_unavailable");
          assert.equal((await peek(visitor)).reason, "store_unavailable");
          const fresh = await new Browser(base).get("/json");
          assert.deepEqual(fresh.json(), { error: "store_write_failed", name: "StoreWriteError" });
          assert.equal((await new Browser(base).post("/login", { user: "eve" })).status, 503);
          // A client that gives up while the server still waits for Redis: nothing breaks.
          const gone = await fetch(`${base}/json`, { signal: AbortSignal.timeout(50) }).catch(
            (e: Error) => e,
          );
          assert.ok(gone instanceof Error);
          await new Promise((resolve) => setTimeout(resolve, 700)); // its load and commit time out meanwhile
        } finally {
          redis.resume();
        }
        assert.equal(
          (
            await eventually(
              () => peek(ada),
              (a) => a.user === "ada",
            )
          ).user,
          "ada",
        );
      });
    });
  });
}
