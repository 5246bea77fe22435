// The Redis kit (test/kit/redis.ts) under Bun: node-redis, ioredis and Bun's own RedisClient, on the
// server scripts/runtimes.mjs started (REDIS_URL) or one of its own.
import { afterAll, test } from "bun:test";
import { RedisClient } from "bun";
import { bunRedisClient } from "sealed-session/revocation";
import { Clients, ioredis, nodeRedis, redisForRun, registerRedis } from "../redis.ts";

const redis = await redisForRun();
const clients = new Clients();
afterAll(async () => {
  await clients.closeAll();
  await redis.stop();
});

registerRedis(
  "bun",
  { test: (name, fn) => test(name, fn) },
  {
    "node-redis": clients.target(nodeRedis(redis.url)),
    ioredis: clients.target(ioredis(redis.url)),
    bun: clients.target(async (maxConnections) => {
      const client = new RedisClient(redis.url, { enableOfflineQueue: false });
      await client.connect();
      return {
        client: bunRedisClient(client, maxConnections === undefined ? {} : { maxConnections }),
        close: async () => client.close(),
      };
    }),
  },
);
