// The Redis session registry and data store on Node 24 against a real redis-server, through
// node-redis (client and pool) and ioredis: the kits (test/kit/redis-state.ts: registry and data-store
// conformance, the manager kits, raw-backend checks), faults (a server with persistence stopped,
// restarted and stalled mid-run), and real eviction under memory pressure.
// Node 20, Bun (also with Bun's own client) and Deno run the same kits from test/runtimes/*/redis.test.ts.
import assert from "node:assert/strict";
import { createSessions, generateSecret } from "sealed-session";
import { type RedisClientLike, redisRegistry } from "sealed-session/registry";
import { redisStore } from "sealed-session/store";
import { afterAll, beforeAll, describe, it, vi } from "vitest";
import type { Suite } from "../harness.ts";
import { NAMING_KEY, redisStateConformance, redisStateFaults } from "../kit/redis-state.ts";
import { Clients, clientsOn, nodeRedis } from "../runtimes/redis.ts";
import { Jar } from "../support/http.ts";
import { controlOf, type RedisServer, startRedisServer } from "../support/redis-server.ts";

const suite: Suite = { test: (name, fn) => it(name, fn, 60_000) };
const id = () => crypto.randomUUID().replaceAll("-", "").slice(0, 22);

// Servers start in beforeAll; the kit registers its tests now and reaches them through these.
let shared: RedisServer;
let faulty: RedisServer;
const clients = new Clients();
const onShared = clientsOn(() => shared);
const onFaulty = clientsOn(() => faulty);

beforeAll(async () => {
  [shared, faulty] = await Promise.all([
    startRedisServer(),
    // Persistence (every write fsynced) so that what a write reported can be checked after a restart.
    startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always"] }),
  ]);
});
afterAll(async () => {
  await clients.closeAll();
  await Promise.all([shared?.stop(), faulty?.stop()]);
});

describe("registry and store (node-redis client)", () => {
  redisStateConformance(suite, clients.target(onShared.nodeRedis), "node-redis");
});

describe("registry and store (node-redis pool)", () => {
  redisStateConformance(suite, clients.target(onShared.nodeRedisPool), "node-redis pool");
});

describe("registry and store (ioredis)", () => {
  redisStateConformance(suite, clients.target(onShared.ioredis), "ioredis");
});

// The fault cases stop the server: their own, one client at a time (vitest runs a file's tests in order).
const control = controlOf(() => faulty);
describe("faults, registry and store (node-redis client)", () => {
  redisStateFaults(suite, control, () => onFaulty.nodeRedis(undefined), "node-redis");
});
describe("faults, registry and store (node-redis pool)", () => {
  redisStateFaults(suite, control, () => onFaulty.nodeRedisPool(undefined), "node-redis pool");
});
describe("faults, registry and store (ioredis)", () => {
  redisStateFaults(suite, control, () => onFaulty.ioredis(undefined), "ioredis");
});

describe("real eviction (maxmemory with allkeys-random)", () => {
  it("every session is either intact or ended: never live without its entry, never live with lost data", async () => {
    await using server = await startRedisServer({
      args: ["--maxmemory", "2mb", "--maxmemory-policy", "allkeys-random"],
    });
    const connection = await nodeRedis(server.url)(undefined);
    try {
      const sessions = createSessions<{ cart?: Record<string, string> }>({
        secrets: generateSecret(),
        maxAge: 3600,
        registry: {
          store: redisRegistry(connection.client, { namingKey: NAMING_KEY, checkEviction: false }),
          timeout: 60_000,
        },
        store: {
          store: redisStore(connection.client, { checkEviction: false }),
          mode: "always",
          timeout: 60_000,
        },
      });
      const users: { user: string; jar: Jar; line: string }[] = [];
      // Far more than 2 MB of sessions: Redis must evict to take the later ones.
      for (let i = 0; i < 400; i++) {
        const jar = new Jar();
        const user = `user-${i}-${id()}`;
        const line = "x".repeat(8000);
        const session = await sessions.load(jar.request());
        session.login(user);
        session.data.cart = { line };
        const headers = new Headers();
        await sessions.commit(session, headers).catch(() => {}); // a full Redis may refuse a write
        jar.apply(headers);
        users.push({ user, jar, line });
      }
      const stats = String(await server.command("INFO", "stats"));
      const evicted = Number(stats.match(/^evicted_keys:(\d+)/m)?.[1]);
      assert.ok(evicted > 0, "Redis evicted keys");
      let intact = 0;
      let ended = 0;
      for (const { user, jar, line } of users) {
        if (jar.names().length === 0) continue;
        const loaded = await sessions.load(jar.request());
        if (loaded.invalidReason === undefined) {
          assert.equal(loaded.userId, user);
          assert.equal(loaded.data.cart?.line, line, "a live session has all its data");
          intact++;
        } else {
          assert.equal(loaded.invalidReason, "revoked");
          assert.equal(loaded.userId, undefined);
          ended++;
        }
      }
      assert.ok(intact > 0 && ended > 0, `${intact} intact, ${ended} ended`);
    } finally {
      await connection.close();
    }
  });
});

describe("eviction check at start-up", () => {
  it("the registry and the store each warn, once per client, saying what an eviction does to them", async () => {
    await using server = await startRedisServer({
      args: ["--maxmemory", "64mb", "--maxmemory-policy", "volatile-lru"],
    });
    const connection = await nodeRedis(server.url)(undefined);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      for (let i = 0; i < 3; i++) {
        redisRegistry(connection.client, { namingKey: NAMING_KEY });
        redisStore(connection.client);
      }
      await vi.waitFor(() => assert.equal(warn.mock.calls.length, 2));
      const said = warn.mock.calls.map((call) => String(call[0])).sort();
      assert.match(said[0] ?? "", /volatile-lru.*evicted record ends its session/s);
      assert.match(said[1] ?? "", /volatile-lru.*evicted registry key ends that user's sessions/s);
      // checkEviction: false asks nothing (the check sends its CONFIG GET as the store is built).
      const configs: string[][] = [];
      const watched: RedisClientLike = {
        command(args) {
          if (args[0] === "CONFIG") configs.push([...args]);
          return connection.client.command(args);
        },
        isolated: (key, fn) => connection.client.isolated(key, fn),
      };
      redisRegistry(watched, { namingKey: NAMING_KEY, checkEviction: false });
      redisStore(watched, { checkEviction: false });
      assert.deepEqual(configs, []);
      redisStore(watched);
      assert.deepEqual(configs, [["CONFIG", "GET", "maxmemory*"]]);
      await vi.waitFor(() => assert.equal(warn.mock.calls.length, 3));
    } finally {
      warn.mockRestore();
      await connection.close();
    }
  });
});
