/**
 * The one Express app the Express benchmark measures (spawned by bench/express/main.ts, once per
 * measuring process): the same routes under four prefixes, each with the same ~300-byte session —
 *   /bare/…        no sessions;
 *   /es/…          express-session + connect-redis on the real redis-server at REDIS_URL;
 *   /ours/…        sealed-session/express in cookie mode;
 *   /ours-redis/…  sealed-session/express in Redis mode (redisStore, mode "always": every session
 *                  with data lives in Redis, as with connect-redis), on the same redis-server.
 * Routes: /init (a login that stores the payload), /read (reads it, unchanged), /write (a counter
 * moves). /_cpu answers process.cpuUsage(), so the client can take this process's CPU per request.
 * Prints "ready <port>" when it listens.
 */
/// <reference types="node" />
import type { AddressInfo } from "node:net";
import process from "node:process";
import express from "express";
import { createClient } from "redis";
import { sessions } from "../../src/express/index.ts";
import { nodeRedisClient, redisStore } from "../../src/store/index.ts";
import { makePayload, type Payload, SECRET } from "../payload.ts";
import { expressSessionRouter } from "./express-session.mjs";

declare module "../../src/express/index.ts" {
  interface SessionData extends Payload {}
}

const url = process.env.REDIS_URL;
if (!url) throw new Error("REDIS_URL is required");
// As the guide creates it: a plain node-redis client.
const client = await createClient({ url })
  .on("error", (error: unknown) => console.error("redis:", error))
  .connect();

const app = express();

const bare = express.Router();
bare.get("/read", (_req, res) => {
  res.json({ views: 42 });
});
bare.get("/write", (_req, res) => {
  res.json({ views: 42 });
});
app.use("/bare", bare);

app.use("/es", expressSessionRouter({ client, secret: SECRET, payload: makePayload }));

/** This library's routes, the same for both modes. */
function ours(middleware: express.RequestHandler): express.Router {
  const router = express.Router();
  router.use(middleware);
  router.get("/init", (req, res) => {
    const payload = makePayload();
    req.session.login(payload.user.id);
    req.session.data = payload;
    res.json({ views: payload.counters.views });
  });
  router.get("/read", (req, res) => {
    res.json({ views: req.session.data.counters?.views });
  });
  router.get("/write", (req, res) => {
    const data = req.session.data as Payload;
    data.counters.views++;
    data.lastSeen = Date.now();
    res.json({ views: data.counters.views });
  });
  return router;
}
app.use("/ours", ours(sessions({ secrets: SECRET })));

// As docs/redis.md sets it up: a node-redis client of its own without an offline queue, wrapped once.
const ourClient = await createClient({ url, disableOfflineQueue: true })
  .on("error", (error: unknown) => console.error("redis:", error))
  .connect();
app.use(
  "/ours-redis",
  ours(
    sessions({ secrets: SECRET, store: { store: redisStore(nodeRedisClient(ourClient)), mode: "always" } }),
  ),
);

app.get("/_cpu", (_req, res) => {
  const { user, system } = process.cpuUsage();
  res.json({ us: user + system });
});

const server = app.listen(0, "127.0.0.1", () => {
  console.log(`ready ${(server.address() as AddressInfo).port}`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close();
  void Promise.all([client.close(), ourClient.close()]).finally(() => process.exit(0));
});
