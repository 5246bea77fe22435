/**
 * Express with the session data in Redis — what express-session + connect-redis did — plus the
 * session registry (see and end your sessions, at most 5 per user).
 *
 *   npm install sealed-session express redis
 *   SESSION_SECRETS=<at least 32 random characters> REGISTRY_NAMING_KEY=<another 32, never rotated> \
 *     REDIS_URL=redis://127.0.0.1:6379 node examples/express-redis.ts
 *
 * (Node 24 runs this TypeScript file as is.) GET / counts your views; POST /login {"user": "ada"}
 * logs in; POST /logout logs out. GET /sessions lists your sessions, DELETE /sessions/<id> ends one.
 * POST /cart {"sku": "book"} adds a line to your cart; GET /cart shows it. The cookie carries only a
 * sealed key: the data is in Redis, and requests changing different lines at once all land. While
 * Redis is down, requests fail closed (logged out for that request, nothing written) or answer 503
 * with the error's code — never a 500 — and everything works again once it is back.
 */
import type { AddressInfo } from "node:net";
import express, { type ErrorRequestHandler } from "express";
import { createClient } from "redis";
import { SessionError } from "sealed-session";
import { sessions } from "sealed-session/express";
import { redisRegistry } from "sealed-session/registry";
import { nodeRedisClient, redisStore } from "sealed-session/store";

declare module "sealed-session/express" {
  interface SessionData {
    views: number;
    cart: Record<string, number>;
  }
}

const { SESSION_SECRETS: secrets, REGISTRY_NAMING_KEY: namingKey, REDIS_URL: url } = process.env;
if (!secrets || !namingKey || !url) {
  console.error(
    "Set SESSION_SECRETS and REGISTRY_NAMING_KEY (two different secrets, e.g. from `npx sealed-session secret`) and REDIS_URL.",
  );
  process.exit(1);
}

// No offline queue: while Redis is down, commands fail at once instead of waiting in a queue.
const client = createClient({ url, disableOfflineQueue: true });
client.on("error", (error) => console.error("redis:", error.message)); // node-redis requires a listener
await client.connect();
const redis = nodeRedisClient(client);

const app = express();
app.use(express.json());
app.use(
  sessions({
    secrets,
    idleTimeout: 30 * 60,
    // Was: store: new RedisStore({ client }). "always": every session with data lives in Redis.
    store: { store: redisStore(redis), mode: "always" },
    registry: { store: redisRegistry(redis, { namingKey }), maxSessionsPerUser: 5 },
  }),
);

app.get("/", (req, res) => {
  req.session.data.views = (req.session.data.views ?? 0) + 1;
  res.json({ user: req.session.userId ?? null, views: req.session.data.views });
});

app.post("/login", (req, res) => {
  // JSON only: a form post could come from another site (CSRF).
  if (!req.is("application/json")) return void res.sendStatus(415);
  const user: unknown = req.body?.user;
  if (typeof user !== "string" || user === "") return void res.status(400).json({ error: "user?" });
  // ...check the password first; login() issues a new session id and registers it in Redis.
  req.session.login(user);
  res.json({ user });
});

app.post("/logout", async (req, res) => {
  await req.session.destroy(); // clears the cookie, deletes the data and ends the registry entry
  res.json({ user: null });
});

app.get("/sessions", async (req, res) => {
  if (req.session.userId === undefined) return void res.status(401).json({ error: "log in first" });
  res.json(await req.sessions.listSessions(req.session));
});

app.delete("/sessions/:id", async (req, res) => {
  if (req.session.userId === undefined) return void res.status(401).json({ error: "log in first" });
  const ended = await req.sessions.endSession(req.session, req.params.id);
  if (ended) res.json({ ended: true });
  else res.status(404).json({ error: "no such session" });
});

app.get("/cart", (req, res) => {
  res.json({ cart: req.session.data.cart ?? {} });
});

app.post("/cart", (req, res) => {
  if (!req.is("application/json")) return void res.sendStatus(415);
  const sku: unknown = req.body?.sku;
  if (typeof sku !== "string" || sku === "") return void res.status(400).json({ error: "sku?" });
  // Redis could not be asked (down): the session is read-only for this response. Say so.
  if (req.session.readOnly)
    return void res.status(503).json({ error: req.session.invalidReason ?? "read_only" });
  // Only this line travels to Redis: requests adding other lines at the same time all land.
  const cart = req.session.data.cart ?? {};
  req.session.data.cart = { ...cart, [sku]: (cart[sku] ?? 0) + 1 };
  res.json({ cart: req.session.data.cart });
});

// The library's errors are typed (a stable code): while Redis is down a change cannot be stored or a
// listing read — the client hears so, a 503, not a 500. (A login the registry cannot record is
// answered 503 login_unavailable by the middleware itself.)
const STATUS: Record<string, number> = {
  store_write_failed: 503,
  registry_unavailable: 503,
  read_only: 503,
  store_conflict: 409, // with store.conflicts: "error"
  too_large: 413, // past store.maxBytes
};
const onError: ErrorRequestHandler = (error, _req, res, next) => {
  if (res.headersSent) return next(error);
  const status = error instanceof SessionError ? STATUS[error.code] : undefined;
  if (status === undefined) return void res.status(500).json({ error: "internal" });
  if (status === 503) res.set("retry-after", "5");
  res.status(status).json({ error: error.code });
};
app.use(onError);

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`Listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});
