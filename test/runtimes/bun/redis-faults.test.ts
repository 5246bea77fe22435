// Faults with Bun's own RedisClient: redis-servers of this file's own (test/support/redis-server.ts)
// are stopped, started again and stalled mid-run — for revocation (test/kit/redis.ts, redisFaults)
// and for the registry and the data store (test/kit/redis-state.ts, redisStateFaults, on a server
// with persistence). node-redis and ioredis go through the same cases on Node 24 (test/redis/).
import { afterAll, beforeAll, test } from "bun:test";
import { RedisClient } from "bun";
import { bunRedisClient } from "sealed-session/revocation";
import { redisFaults } from "../../kit/redis.ts";
import { redisStateFaults } from "../../kit/redis-state.ts";
import { controlOf, type RedisServer, startRedisServer } from "../../support/redis-server.ts";

let server: RedisServer;
let persistent: RedisServer;
beforeAll(async () => {
  [server, persistent] = await Promise.all([
    startRedisServer(),
    startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always"] }),
  ]);
});
afterAll(() => Promise.all([server?.stop(), persistent?.stop()]));

// A fault case waits for Bun's client to reconnect (up to 30 s a step on a loaded machine).
const suite = { test: (name: string, fn: () => Promise<void>) => test(name, fn, 120_000) };

const connect = (of: () => RedisServer) => async () => {
  const client = new RedisClient(of().url, { enableOfflineQueue: false });
  await client.connect();
  return { client: bunRedisClient(client), close: async () => client.close() };
};

redisFaults(
  suite,
  controlOf(() => server),
  connect(() => server),
  "bun",
);
redisStateFaults(
  suite,
  controlOf(() => persistent),
  connect(() => persistent),
  "bun",
);
