/**
 * The Redis kits on a runtime — revocation (test/kit/redis.ts), the registry and the data store
 * (test/kit/redis-state.ts) — with the clients that runtime can use, on the server
 * scripts/runtimes.mjs started (REDIS_URL), or on one this file starts when run alone. Never skips:
 * no REDIS_URL and no redis-server fails the run. It prints the line the runner checks:
 *   [redis] <runtime>: <n> tests for <k> clients (<names>)
 */
import { Redis } from "ioredis";
import { createClient, createClientPool } from "redis";
import { ioredisClient, nodeRedisClient, type RedisClientLike } from "sealed-session/revocation";
import type { Suite } from "../harness.ts";
import { type RedisConnection, type RedisTarget, redisConformance } from "../kit/redis.ts";
import { redisStateConformance } from "../kit/redis-state.ts";
import { startRedisServer } from "../support/redis-server.ts";
import type { RuntimeId } from "./skips.ts";

/** Opens clients on first use and closes every one of them at the end of the run. */
export class Clients {
  readonly #open = new Set<RedisConnection>();

  async open(connect: () => Promise<RedisConnection>): Promise<RedisConnection> {
    const connection = await connect();
    const tracked: RedisConnection = {
      client: connection.client,
      close: async () => {
        this.#open.delete(tracked);
        await connection.close();
      },
    };
    this.#open.add(tracked);
    return tracked;
  }

  /** A target whose shared client is opened once, and whose `single()` clients close when a case ends. */
  target(connect: (maxConnections: number | undefined) => Promise<RedisConnection>): RedisTarget {
    let shared: Promise<RedisClientLike> | undefined;
    return {
      client: () => {
        shared ??= this.open(() => connect(undefined)).then((connection) => connection.client);
        return shared;
      },
      single: () => this.open(() => connect(1)),
    };
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#open].map((connection) => connection.close()));
  }
}

/** node-redis: a client without an offline queue, as docs/redis.md recommends. */
export function nodeRedis(url: string) {
  return async (maxConnections: number | undefined): Promise<RedisConnection> => {
    const client = createClient({ url, disableOfflineQueue: true });
    client.on("error", () => {});
    await client.connect();
    return {
      client: nodeRedisClient(client, maxConnections === undefined ? {} : { maxConnections }),
      close: async () => client.destroy(),
    };
  };
}

/** node-redis with a pool of a fixed size (a pool that must grow while Redis is down waits for `acquireTimeout`). */
export function nodeRedisPool(url: string) {
  return async (maxConnections: number | undefined): Promise<RedisConnection> => {
    const size = maxConnections ?? 4;
    const pool = createClientPool({ url, disableOfflineQueue: true }, { minimum: size, maximum: size });
    pool.on("error", () => {});
    await pool.connect();
    return { client: nodeRedisClient(pool), close: () => pool.close() };
  };
}

/** ioredis: no offline queue, connected before use. */
export function ioredis(url: string) {
  return async (maxConnections: number | undefined): Promise<RedisConnection> => {
    const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    redis.on("error", () => {});
    await redis.connect();
    return {
      client: ioredisClient(redis, maxConnections === undefined ? {} : { maxConnections }),
      close: async () => {
        redis.disconnect();
      },
    };
  };
}

/**
 * The three Node clients on a server that starts later (in `beforeAll`): each connects to its URL when
 * called, so a kit can register its tests before the server runs.
 */
export const clientsOn = (server: () => { readonly url: string }) => ({
  nodeRedis: (max: number | undefined) => nodeRedis(server().url)(max),
  nodeRedisPool: (max: number | undefined) => nodeRedisPool(server().url)(max),
  ioredis: (max: number | undefined) => ioredis(server().url)(max),
});

/** REDIS_URL, or a server of this run's own; `REDIS_REQUIRED=1` (the runner) forbids the latter. */
export async function redisForRun(): Promise<{ url: string; stop(): Promise<void> }> {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
  if (env.REDIS_URL) return { url: env.REDIS_URL, stop: async () => {} };
  if (env.REDIS_REQUIRED === "1") throw new Error("REDIS_REQUIRED=1 but REDIS_URL is not set");
  const server = await startRedisServer();
  return { url: server.url, stop: () => server.stop() };
}

/** Every Redis kit for one client: revocation, then the registry and the data store. */
export function redisKits(suite: Suite, target: RedisTarget, label: string): void {
  redisConformance(suite, target, label);
  redisStateConformance(suite, target, label);
}

/** Number of tests `redisKits` registers per client (scripts/runtimes.mjs checks each runtime's line). */
export function redisTestCount(): number {
  let count = 0;
  const none = () => Promise.reject(new Error("not connected"));
  redisKits({ test: () => void count++ }, { client: none, single: none }, "count");
  return count;
}

/** Registers the kits once per client and prints the line scripts/runtimes.mjs checks. */
export function registerRedis(runtime: RuntimeId, suite: Suite, targets: Record<string, RedisTarget>): void {
  const names = Object.keys(targets);
  let registered = 0;
  const counted: Suite = {
    test(name, fn) {
      registered++;
      suite.test(name, fn);
    },
  };
  for (const [name, target] of Object.entries(targets)) redisKits(counted, target, name);
  console.log(`[redis] ${runtime}: ${registered} tests for ${names.length} clients (${names.join(", ")})`);
}
