// Faults with Bun's own RedisClient: redis-servers of this file's own (test/support/redis-server.ts)
// are stopped, started again and stalled mid-run — for revocation (test/kit/redis.ts, redisFaults)
// and for the registry and the data store (test/kit/redis-state.ts, redisStateFaults, on a server
// with persistence). node-redis and ioredis go through the same cases on Node 24 (test/redis/).
import { afterAll, beforeAll, test } from "bun:test";
import { RedisClient } from "bun";
import { bunRedisClient } from "sealed-session/revocation";
import { redisFaults } from "../../kit/redis.ts";
import { redisStateFaults } from "../../kit/redis-state.ts";
import { type RedisServer, startRedisServer } from "../../support/redis-server.ts";

let server: RedisServer;
let persistent: RedisServer;
beforeAll(async () => {
  [server, persistent] = await Promise.all([
    startRedisServer(),
    startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always"] }),
  ]);
});
afterAll(() => Promise.all([server?.stop(), persistent?.stop()]));

const suite = { test: (name: string, fn: () => Promise<void>) => test(name, fn, 60_000) };
const control = (of: () => RedisServer) => ({
  stop: () => of().stop(),
  start: () => of().start(),
  pause: () => of().pause(),
  resume: () => of().resume(),
});
const connect = (of: () => RedisServer) => async () => {
  const client = new RedisClient(of().url, { enableOfflineQueue: false });
  await client.connect();
  return { client: bunRedisClient(client), close: async () => client.close() };
};

redisFaults(
  suite,
  control(() => server),
  connect(() => server),
  "bun",
);
redisStateFaults(
  suite,
  control(() => persistent),
  connect(() => persistent),
  "bun",
);
