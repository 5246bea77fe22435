/**
 * sealed-session on Bun with `Bun.serve`, and Redis through Bun's own client for everything
 * stateful: revocation, the session registry (see and end your sessions) and the data store (a cart).
 *
 *   bun add sealed-session
 *   SESSION_SECRETS=<at least 32 random characters> REGISTRY_NAMING_KEY=<another 32, never rotated> \
 *     REDIS_URL=redis://127.0.0.1:6379 bun examples/bun-redis.ts
 *
 * GET / counts your views; POST /login {"user": "ada"} logs in; POST /logout logs out. GET /sessions
 * lists your sessions, DELETE /sessions/<id> ends one. POST /cart {"sku": "book"} adds a line to a
 * cart kept in Redis; GET /cart shows it. While Redis is down, requests fail closed or answer 503
 * with the error's code — never a 500.
 */
import { RedisClient } from "bun";
import { createSessions, type Session, SessionError } from "sealed-session";
import { bunRedisClient, redisRegistry } from "sealed-session/registry";
import { redisRevocationStore } from "sealed-session/revocation";
import { redisStore } from "sealed-session/store";

const secrets = process.env.SESSION_SECRETS;
const namingKey = process.env.REGISTRY_NAMING_KEY;
if (!secrets || !namingKey) {
  console.error(
    "Set SESSION_SECRETS and REGISTRY_NAMING_KEY (two different secrets), e.g. from `npx sealed-session secret`.",
  );
  process.exit(1);
}

// No offline queue: while Redis is down, commands fail at once instead of waiting in a queue.
const client = new RedisClient(process.env.REDIS_URL, { enableOfflineQueue: false });
await client.connect();
const redis = bunRedisClient(client);

type Data = { views?: number; cart?: Record<string, number> };
const sessions = createSessions<Data>({
  secrets,
  revocation: redisRevocationStore(redis),
  registry: { store: redisRegistry(redis, { namingKey }), maxSessionsPerUser: 5 },
  store: { store: redisStore(redis) },
});

/** Loads the session, runs the route, commits the session onto its response. */
async function withSession(
  request: Request,
  route: (session: Session<Data>) => Response | Promise<Response>,
): Promise<Response> {
  try {
    const session = await sessions.load(request);
    const response = await route(session);
    await sessions.commit(session, response.headers);
    return response;
  } catch (error) {
    // The library's errors are typed (a stable code): while Redis is down a login, a cart change or
    // a listing cannot happen, and the client hears so — a 503 with the code, not a 500.
    if (error instanceof SessionError) {
      return Response.json({ error: error.code }, { status: 503, headers: { "retry-after": "5" } });
    }
    throw error;
  }
}

const json = async (request: Request): Promise<Record<string, unknown> | null> =>
  // JSON only: a form post could come from another site (CSRF).
  request.headers.get("content-type") === "application/json" ? request.json().catch(() => ({})) : null;

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 3000),
  routes: {
    "/": {
      GET: (request) =>
        withSession(request, (session) => {
          session.data.views = (session.data.views ?? 0) + 1;
          return Response.json({ user: session.userId ?? null, views: session.data.views });
        }),
    },
    "/login": {
      POST: (request) =>
        withSession(request, async (session) => {
          const body = await json(request);
          if (body === null) return new Response(null, { status: 415 });
          const { user } = body;
          if (typeof user !== "string" || user === "")
            return Response.json({ error: "user?" }, { status: 400 });
          session.login(user); // registered in Redis when the response is committed
          return Response.json({ user });
        }),
    },
    "/logout": {
      POST: (request) =>
        withSession(request, (session) => {
          session.destroy(); // clears the cookie, ends its registry entry and revokes its id
          return Response.json({ user: null });
        }),
    },
    "/sessions": {
      GET: (request) =>
        withSession(request, async (session) =>
          session.userId === undefined
            ? Response.json({ error: "log in first" }, { status: 401 })
            : Response.json(await sessions.listSessions(session)),
        ),
    },
    "/sessions/:id": {
      DELETE: (request) =>
        withSession(request, async (session) => {
          if (session.userId === undefined) return Response.json({ error: "log in first" }, { status: 401 });
          const ended = await sessions.endSession(session, request.params.id);
          return ended
            ? Response.json({ ended: true })
            : Response.json({ error: "no such session" }, { status: 404 });
        }),
    },
    "/cart": {
      GET: (request) => withSession(request, (session) => Response.json({ cart: session.data.cart ?? {} })),
      POST: (request) =>
        withSession(request, async (session) => {
          const body = await json(request);
          if (body === null) return new Response(null, { status: 415 });
          const { sku } = body;
          if (typeof sku !== "string" || sku === "") return Response.json({ error: "sku?" }, { status: 400 });
          // Redis could not be asked (down): the session is read-only for this response. Say so.
          if (session.readOnly) {
            return Response.json({ error: session.invalidReason ?? "read_only" }, { status: 503 });
          }
          // Only this line changes: requests adding other lines at the same time all land.
          session.data.cart = { ...session.data.cart, [sku]: (session.data.cart?.[sku] ?? 0) + 1 };
          session.moveToStore(); // a cart lives in Redis, not in the cookie
          return Response.json({ cart: session.data.cart });
        }),
    },
  },
  fetch: () => new Response("Not found", { status: 404 }),
});

console.log(`Listening on ${server.url}`);
