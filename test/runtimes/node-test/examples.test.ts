// Runs examples/node-hono.ts and examples/node-hono-redis.ts on Node 24, on free ports
// ("sealed-session" from the sources); the Redis one twice (two processes of the app) against a
// redis-server of this file's own, which is then stopped and started again under it.
import { after, test } from "node:test";
import { generateSecret } from "sealed-session";
import { startRedisServer } from "../../support/redis-server.ts";
import { checkExample, checkOutage, checkStatefulExample, startServer } from "../examples.ts";

test("examples/node-hono.ts: Hono on @hono/node-server, logout revoked in memory", async () => {
  const server = await startServer(process.execPath, [
    "--import",
    "./test/runtimes/node-test/register.mjs",
    "examples/node-hono.ts",
  ]);
  try {
    await checkExample(server.url, { revocation: true });
  } finally {
    await server.stop();
  }
});

test("examples/node-hono-redis.ts: registry, store and revocation on Redis, two processes, an outage", async () => {
  // Persistence: Redis comes back from the outage with its data, as a production one would.
  const redis = await startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
  after(() => redis.stop());
  // One app: the same secrets in every process.
  const env = {
    REDIS_URL: redis.url,
    SESSION_SECRETS: generateSecret(),
    REGISTRY_NAMING_KEY: generateSecret(),
  };
  const start = () =>
    startServer(
      process.execPath,
      ["--import", "./test/runtimes/node-test/register.mjs", "examples/node-hono-redis.ts"],
      env,
    );
  const servers = await Promise.all([start(), start()]);
  try {
    const bases = servers.map((server) => server.url);
    await checkStatefulExample(bases);
    await checkOutage(bases, redis);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
});
