// The Redis kit (test/kit/redis.ts) on the oldest supported Node, against the built package (dist/):
// node-redis and ioredis, on the server scripts/runtimes.mjs started (REDIS_URL) or one of its own.
import { after, test } from "node:test";
import { Clients, ioredis, nodeRedis, redisForRun, registerRedis } from "../redis.ts";

const redis = await redisForRun();
const clients = new Clients();
after(async () => {
  await clients.closeAll();
  await redis.stop();
});

registerRedis(
  "node20",
  { test: (name, fn) => test(name, fn) },
  { "node-redis": clients.target(nodeRedis(redis.url)), ioredis: clients.target(ioredis(redis.url)) },
);
