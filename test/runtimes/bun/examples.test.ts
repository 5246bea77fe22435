// Runs examples/bun-serve.ts and examples/bun-redis.ts as their headers say, on free ports; the Redis
// one twice (two processes of the app, Bun's own client) against a redis-server of this file's own,
// which is then stopped and started again under it.
import { afterAll, test } from "bun:test";
import { generateSecret } from "sealed-session";
import { type RedisServer, startRedisServer } from "../../support/redis-server.ts";
import { checkExample, checkOutage, checkStatefulExample, startServer } from "../examples.ts";

let redis: RedisServer | undefined;
afterAll(() => redis?.stop());

// bun test gives a test 5 s by default; starting a server on a cold, busy machine may take longer
// (startServer itself waits up to 30 s for it).
test("examples/bun-serve.ts: sessions on Bun.serve (stateless, no store)", async () => {
  const server = await startServer(process.execPath, ["examples/bun-serve.ts"]);
  try {
    await checkExample(server.url, { revocation: false });
  } finally {
    await server.stop();
  }
}, 60_000);

test("examples/bun-redis.ts: registry, store and revocation on Redis (Bun's client), two processes, an outage", async () => {
  // Persistence: Redis comes back from the outage with its data, as a production one would.
  redis = await startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
  const server = redis;
  // One app: the same secrets in every process.
  const env = {
    REDIS_URL: server.url,
    SESSION_SECRETS: generateSecret(),
    REGISTRY_NAMING_KEY: generateSecret(),
  };
  const servers = await Promise.all(
    [1, 2].map(() => startServer(process.execPath, ["examples/bun-redis.ts"], env)),
  );
  try {
    const bases = servers.map((s) => s.url);
    await checkStatefulExample(bases);
    await checkOutage(bases, server);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}, 120_000);
