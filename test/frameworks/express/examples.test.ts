// examples/express-quickstart.ts, run as its header says, on a free port: counter, login, logout,
// JSON-only login, and a cookie copied before the logout refused (its in-memory revocation store).
// examples/express-redis.ts twice (two processes of the app) against a redis-server of this file's
// own: the same, plus sessions listed and ended elsewhere, 20 concurrent cart lines, and Redis
// stopped and started again under it.
// examples/express-migration.ts is run by migration.test.ts, against a live express-session app.
import { after, test } from "node:test";
import { generateSecret } from "sealed-session";
import { checkExample, checkOutage, checkStatefulExample, startServer } from "../../runtimes/examples.ts";
import { startRedisServer } from "../../support/redis-server.ts";
import { exampleCommand } from "./browser.ts";

test("examples/express-quickstart.ts: login, counter, logout", async () => {
  const [command, args] = exampleCommand("express-quickstart", import.meta.url);
  const server = await startServer(command, args);
  try {
    await checkExample(server.url, { revocation: true });
  } finally {
    await server.stop();
  }
});

test("examples/express-redis.ts: data and registry on Redis, two processes, an outage", async () => {
  // Persistence: Redis comes back from the outage with its data, as a production one would.
  const redis = await startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
  after(() => redis.stop());
  const [command, args] = exampleCommand("express-redis", import.meta.url);
  // One app: the same secrets in every process.
  const env = {
    REDIS_URL: redis.url,
    SESSION_SECRETS: generateSecret(),
    REGISTRY_NAMING_KEY: generateSecret(),
  };
  const servers = await Promise.all([startServer(command, args, env), startServer(command, args, env)]);
  try {
    const bases = servers.map((server) => server.url);
    await checkStatefulExample(bases);
    await checkOutage(bases, redis);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
});
