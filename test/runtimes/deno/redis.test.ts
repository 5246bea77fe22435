// The Redis kit (test/kit/redis.ts) under Deno: node-redis and ioredis (npm, from node_modules), on
// the server scripts/runtimes.mjs started (REDIS_URL) or one of its own (needs --allow-run).
import { Clients, ioredis, nodeRedis, redisForRun, registerRedis } from "../redis.ts";

const redis = await redisForRun();
const clients = new Clients();
const options = { sanitizeResources: false, sanitizeOps: false };

registerRedis(
  "deno",
  { test: (name, fn) => Deno.test({ name, fn, ...options }) },
  { "node-redis": clients.target(nodeRedis(redis.url)), ioredis: clients.target(ioredis(redis.url)) },
);
// Deno has no after-all hook: the last test registered closes the clients (and a server of its own).
Deno.test({
  name: "redis: close the clients",
  fn: async () => {
    await clients.closeAll();
    await redis.stop();
  },
  ...options,
});
