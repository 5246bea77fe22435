// Faults with Bun's own RedisClient: a redis-server of this file's own (test/support/redis-server.ts)
// is stopped, started again and stalled mid-run (test/kit/redis.ts, redisFaults). node-redis and
// ioredis go through the same cases on Node 24 (test/redis/revocation.test.ts).
import { afterAll, beforeAll, test } from "bun:test";
import { RedisClient } from "bun";
import { bunRedisClient } from "sealed-session/revocation";
import { redisFaults } from "../../kit/redis.ts";
import { type RedisServer, startRedisServer } from "../../support/redis-server.ts";

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

redisFaults(
  { test: (name, fn) => test(name, fn, 60_000) },
  {
    stop: () => server.stop(),
    start: () => server.start(),
    pause: () => server.pause(),
    resume: () => server.resume(),
  },
  async () => {
    const client = new RedisClient(server.url, { enableOfflineQueue: false });
    await client.connect();
    return { client: bunRedisClient(client), close: async () => client.close() };
  },
  "bun",
);
