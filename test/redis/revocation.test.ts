// The Redis revocation store on Node 24 against a real redis-server, through node-redis (a pool) and
// ioredis: the conformance kit (test/kit/redis.ts: the revocation and manager kits plus the Redis
// cases), faults (the server stopped, restarted and stalled mid-run), what Redis itself counts per
// operation, the start-up eviction check, and the client checks when a store is built.
// Node 20, Bun (also with Bun's own client) and Deno run the same kit from test/runtimes/*/redis.test.ts.
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { createClient, createClientPool } from "redis";
import { createSessions, generateSecret } from "sealed-session";
import {
  bunRedisClient,
  ioredisClient,
  nodeRedisClient,
  type RedisClientLike,
  redisRevocationStore,
} from "sealed-session/revocation";
import { afterAll, beforeAll, describe, it, vi } from "vitest";
import {
  checkRedisEviction,
  RedisConflictError,
  redisCheckAndSet,
  redisKeys,
  redisScan,
} from "../../src/lib/redis.ts";
import type { Suite } from "../harness.ts";
import { type RedisConnection, redisConformance, redisFaults } from "../kit/redis.ts";
import { Clients, clientsOn, ioredis, nodeRedis } from "../runtimes/redis.ts";
import { Jar } from "../support/http.ts";
import { controlOf, countCommands, type RedisServer, startRedisServer } from "../support/redis-server.ts";

const suite: Suite = { test: (name, fn) => it(name, fn) };
const id = () => crypto.randomUUID().replaceAll("-", "").slice(0, 22);
const DAY = 86_400_000;

// Servers start in beforeAll; the kit registers its tests now and reaches them through these.
let shared: RedisServer;
let faulty: RedisServer;
const clients = new Clients();
const onShared = clientsOn(() => shared);
const onFaulty = clientsOn(() => faulty);

beforeAll(async () => {
  [shared, faulty] = await Promise.all([startRedisServer(), startRedisServer()]);
});
afterAll(async () => {
  await clients.closeAll();
  await Promise.all([shared?.stop(), faulty?.stop()]);
});

describe("conformance (node-redis client)", () => {
  redisConformance(suite, clients.target(onShared.nodeRedis), "node-redis");
});

describe("conformance (node-redis pool)", () => {
  redisConformance(suite, clients.target(onShared.nodeRedisPool), "node-redis pool");
});

describe("conformance (ioredis)", () => {
  redisConformance(suite, clients.target(onShared.ioredis), "ioredis");
});

// The fault cases stop the server: their own, one client at a time (vitest runs a file's tests in order).
const control = controlOf(() => faulty);
describe("faults (node-redis client)", () => {
  redisFaults(suite, control, () => onFaulty.nodeRedis(undefined), "node-redis");
});
describe("faults (node-redis pool)", () => {
  redisFaults(suite, control, () => onFaulty.nodeRedisPool(undefined), "node-redis pool");
});
describe("faults (ioredis)", () => {
  redisFaults(suite, control, () => onFaulty.ioredis(undefined), "ioredis");
});

describe("what Redis counts per operation (INFO commandstats)", () => {
  it("check: 1 MGET; logout: 1 SET; revokeUser: WATCH, GET, MULTI, SET, EXEC; never KEYS or SCAN", async () => {
    await using server = await startRedisServer();
    const connection = await nodeRedis(server.url)(undefined);
    try {
      const sessions = createSessions({
        secrets: generateSecret(),
        revocation: {
          store: redisRevocationStore(connection.client, { checkEviction: false }),
          timeout: 60_000,
        },
      });
      const jar = new Jar();
      const login = await sessions.load(jar.request());
      login.login("ada");
      const headers = new Headers();
      await sessions.commit(login, headers);
      jar.apply(headers);

      const measure = (act: () => Promise<unknown>) => countCommands(server, act);
      assert.deepEqual(await measure(() => sessions.load(jar.request())), { mget: 1 }, "a logged-in request");
      assert.deepEqual(
        await measure(async () => {
          const session = await sessions.load(jar.request());
          session.destroy();
          await sessions.commit(session, new Headers());
        }),
        { mget: 1, set: 1 },
        "a logout request",
      );
      // A transaction runs on a connection of its own: the first one opens it (node-redis sends HELLO),
      // the next ones within a second reuse it.
      assert.deepEqual(
        await measure(() => sessions.revokeUser("grace")),
        { hello: 1, watch: 1, get: 1, multi: 1, set: 1, exec: 1 },
        "log out everywhere, first",
      );
      assert.deepEqual(
        await measure(() => sessions.revokeUser("hopper")),
        { watch: 1, get: 1, multi: 1, set: 1, exec: 1 },
        "log out everywhere, next",
      );
      const anonymous = new Jar();
      assert.deepEqual(await measure(() => sessions.load(anonymous.request())), {}, "an anonymous request");
    } finally {
      await connection.close();
    }
  });
});

describe("check-and-set (src/lib/redis.ts)", () => {
  let pool: RedisConnection;
  let other: ReturnType<typeof createClient>;
  beforeAll(async () => {
    pool = await clients.open(() => onShared.nodeRedisPool(undefined));
    other = createClient({ url: shared.url });
    other.on("error", () => {});
    await other.connect();
  });
  afterAll(async () => {
    await other?.close();
  });

  it("a key changed by another writer between WATCH and EXEC makes it read and decide again", async () => {
    const key = `t-cas:{${id()}}:n`;
    await other.set(key, "1");
    let attempts = 0;
    const result = await redisCheckAndSet(pool.client, [key], async (connection) => {
      attempts++;
      const value = Number(await connection.command(["GET", key]));
      // Another client writes in between, once: this EXEC must not land.
      if (attempts === 1) await other.set(key, "10");
      return { writes: [["SET", key, String(value + 1)]], result: value + 1 };
    });
    assert.equal(attempts, 2);
    assert.equal(result, 11);
    assert.equal(await other.get(key), "11", "no lost update");
  });

  it("keys that keep changing give up after `attempts` with RedisConflictError, writing nothing", async () => {
    const key = `t-cas:{${id()}}:n`;
    let attempts = 0;
    await assert.rejects(
      redisCheckAndSet(
        pool.client,
        [key],
        async () => {
          attempts++;
          await other.set(key, `outside-${attempts}`);
          return { writes: [["SET", key, "inside"]], result: undefined };
        },
        { attempts: 3 },
      ),
      RedisConflictError,
    );
    assert.equal(attempts, 3);
    assert.equal(await other.get(key), "outside-3");
  });

  it("20 concurrent increments through the pool all land", async () => {
    const key = `t-cas:{${id()}}:n`;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        redisCheckAndSet(
          pool.client,
          [key],
          async (connection) => {
            const value = Number((await connection.command(["GET", key])) ?? 0);
            await new Promise((resolve) => setTimeout(resolve, 1));
            return { writes: [["SET", key, String(value + 1), "PX", "60000"]], result: undefined };
          },
          { attempts: 100 },
        ),
      ),
    );
    assert.equal(await other.get(key), "20");
  });

  it("a queued command that fails rejects the call (the others in the MULTI ran: Redis has no rollback)", async () => {
    const key = `t-cas:{${id()}}:n`;
    await other.set(key, "not a number");
    await assert.rejects(
      redisCheckAndSet(pool.client, [key], async () => ({
        writes: [["INCR", key]],
        result: undefined,
      })),
      /not an integer/,
    );
  });
});

describe("keys and SCAN (src/lib/redis.ts)", () => {
  it("one prefix, hash tags, glob characters escaped in the SCAN pattern, no braces in a prefix", async () => {
    const keys = redisKeys("app*[1]:", "unused:");
    assert.equal(keys.key("abc", "u"), "app*[1]:{abc}:u");
    assert.equal(keys.pattern, "app\\*\\[1\\]:*");
    assert.equal(keys.strip("app*[1]:{abc}:u"), "{abc}:u");
    assert.equal(keys.strip("other:{abc}:u"), undefined);
    assert.equal(redisKeys(undefined, "sealed-session:revoked:").prefix, "sealed-session:revoked:");
    assert.throws(() => redisKeys("{app}:", "x"), { code: "invalid_config" });
    assert.throws(() => keys.key("a}b", "u"), TypeError);
  });

  it("redisScan lists exactly the keys under a prefix, however many", async () => {
    const connection = await clients.open(() => onShared.ioredis(undefined));
    const prefix = `t-scan-${id().slice(0, 6)}*:`;
    const keys = redisKeys(prefix, "");
    const written = Array.from({ length: 250 }, (_, i) => keys.key(`k${i}`, "v"));
    for (const key of written) await connection.client.command(["SET", key, "1", "PX", "60000"]);
    // A key that the unescaped pattern would match too.
    await connection.client.command(["SET", `${prefix.replace("*", "x")}{k}:v`, "1", "PX", "60000"]);
    const found: string[] = [];
    for await (const batch of redisScan(connection.client, keys.pattern, 50)) found.push(...batch);
    assert.deepEqual(found.sort(), written.sort());
  });
});

describe("eviction check at start-up", () => {
  const consequence = "an evicted revocation lets a revoked cookie work again";

  it("silent on noeviction (Debian's default) and without a memory limit", async () => {
    const connection = await clients.open(() => onShared.nodeRedis(undefined));
    const warnings: string[] = [];
    const report = await checkRedisEviction(connection.client, consequence, (line) => warnings.push(line));
    assert.deepEqual(report, { risk: "safe", policy: "noeviction", maxmemory: "0" });
    assert.deepEqual(warnings, []);
  });

  for (const policy of ["allkeys-lru", "volatile-ttl"]) {
    it(`warns, saying why, when Redis may evict (${policy} with a maxmemory)`, async () => {
      await using server = await startRedisServer({
        args: ["--maxmemory", "64mb", "--maxmemory-policy", policy],
      });
      const connection = await ioredis(server.url)(undefined);
      try {
        const warnings: string[] = [];
        const report = await checkRedisEviction(connection.client, consequence, (line) =>
          warnings.push(line),
        );
        assert.equal(report.risk, "evicts");
        assert.equal(report.policy, policy);
        assert.equal(warnings.length, 1);
        assert.match(warnings[0] ?? "", new RegExp(`maxmemory-policy is ${policy}`));
        assert.match(warnings[0] ?? "", /noeviction/);
        assert.match(warnings[0] ?? "", /revoked cookie work again/);
      } finally {
        await connection.close();
      }
    });
  }

  it("managed Redis that refuses CONFIG gets a warning, never a failure", async () => {
    await using server = await startRedisServer({ args: ["--rename-command", "CONFIG", ""] });
    const connection = await nodeRedis(server.url)(undefined);
    try {
      const warnings: string[] = [];
      const report = await checkRedisEviction(connection.client, consequence, (line) => warnings.push(line));
      assert.equal(report.risk, "unknown");
      assert.match(warnings[0] ?? "", /could not read Redis's maxmemory-policy/);
      assert.match(warnings[0] ?? "", /managed Redis often refuses CONFIG/);
      // The store is built all the same, and works.
      const store = redisRevocationStore(connection.client, { checkEviction: false });
      await store.revokeSession({ sessionId: id(), until: Date.now() + DAY });
    } finally {
      await connection.close();
    }
  });

  it("a store checks once per client, in the background, and warns through console.warn", async () => {
    await using server = await startRedisServer({
      args: ["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lfu"],
    });
    const connection = await nodeRedis(server.url)(undefined);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const configs: string[][] = [];
      const watched: RedisClientLike = {
        command(args) {
          if (args[0] === "CONFIG") configs.push([...args]);
          return connection.client.command(args);
        },
        isolated: (key, fn) => connection.client.isolated(key, fn),
      };
      for (let i = 0; i < 3; i++) redisRevocationStore(watched);
      await vi.waitFor(() => assert.equal(warn.mock.calls.length, 1));
      assert.deepEqual(configs, [["CONFIG", "GET", "maxmemory*"]]);
      assert.match(String(warn.mock.calls[0]?.[0]), /allkeys-lfu.*revoked cookie work again/s);
    } finally {
      warn.mockRestore();
      await connection.close();
    }
  });
});

describe("adapters", () => {
  /** How often Redis ran `command` since the last CONFIG RESETSTAT. */
  const calls = async (server: RedisServer, command: string) =>
    Number(
      String(await server.command("INFO", "commandstats")).match(
        new RegExp(`^cmdstat_${command.replace("|", "\\|")}:calls=(\\d+)`, "m"),
      )?.[1] ?? 0,
    );

  it("one adapter per client: stores built per request share its connections and one eviction check", async () => {
    await using server = await startRedisServer();
    const raw = createClient({ url: server.url, disableOfflineQueue: true });
    raw.on("error", () => {});
    await raw.connect();
    try {
      assert.equal(nodeRedisClient(raw), nodeRedisClient(raw));
      assert.notEqual(nodeRedisClient(raw, { maxConnections: 2 }), nodeRedisClient(raw));
      await server.command("CONFIG", "RESETSTAT");
      for (let i = 0; i < 3; i++) redisRevocationStore(nodeRedisClient(raw));
      await raw.sendCommand(["PING"]); // after the checks on the same connection
      assert.equal(await calls(server, "config|get"), 1);
    } finally {
      raw.destroy();
    }
  });

  it("transactions share at most maxConnections duplicated connections, reused while busy", async () => {
    await using server = await startRedisServer();
    const raw = createClient({ url: server.url, disableOfflineQueue: true });
    raw.on("error", () => {});
    await raw.connect();
    try {
      const store = redisRevocationStore(nodeRedisClient(raw, { maxConnections: 2 }), {
        checkEviction: false,
      });
      await server.command("CONFIG", "RESETSTAT");
      const now = Date.now();
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store.revokeUser({ userId: `user-${i}`, cutoff: now, until: now + DAY }),
        ),
      );
      assert.equal(await calls(server, "exec"), 12);
      assert.equal(await calls(server, "hello"), 2, "two connections opened (node-redis greets with HELLO)");
    } finally {
      raw.destroy();
    }
  });
});

describe("the client is checked when a store is built", () => {
  it("names the engine and the adapter to use", async () => {
    const pool = createClientPool({ url: shared.url });
    const client = createClient({ url: shared.url });
    const io = new Redis(shared.url, { lazyConnect: true });
    const bunLike = {
      send: async () => null,
      duplicate: async () => ({ send: async () => null, close() {} }),
    };
    try {
      const refused = (value: unknown, hint: RegExp) =>
        assert.throws(
          () => redisRevocationStore(value as RedisClientLike),
          (error: Error) => {
            assert.ok(error instanceof TypeError);
            assert.match(error.message, /redisRevocationStore\(client\) needs a Redis client/);
            assert.match(error.message, hint);
            return true;
          },
        );
      refused(pool, /node-redis pool: pass nodeRedisClient\(pool\)/);
      refused(client, /node-redis client: pass nodeRedisClient\(client\)/);
      refused(io, /ioredis client: pass ioredisClient\(redis\)/);
      refused(bunLike, /Bun's RedisClient: pass bunRedisClient\(client\)/);
      refused(undefined, /wrap your client/);
      assert.throws(
        () => nodeRedisClient({} as never),
        /needs a node-redis client \(createClient\(…\)\) or pool/,
      );
      assert.throws(() => ioredisClient({} as never), /needs an ioredis client/);
      assert.throws(() => bunRedisClient({} as never), /needs Bun's RedisClient/);
      // The adapters' own options.
      assert.throws(() => ioredisClient(io, { maxConnections: 0 }), { code: "invalid_config" });
      // Store options.
      const ok = nodeRedisClient(pool);
      assert.throws(() => redisRevocationStore(ok, { prefix: "{x}" }), { code: "invalid_config" });
      assert.throws(() => redisRevocationStore(ok, { margin: -1 }), { code: "invalid_config" });
    } finally {
      io.disconnect();
    }
  });
});
