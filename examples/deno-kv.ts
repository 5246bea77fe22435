/**
 * sealed-session on Deno with `Deno.serve`, and Deno KV for everything stateful: revocation, the
 * session registry (see and end your sessions) and the data store (a cart). Local SQLite by
 * default; on Deno Deploy, `Deno.openKv()` is the managed one.
 *
 *   deno add jsr:@sealed-session/sealed-session   # maps "sealed-session" in deno.json
 *   SESSION_SECRETS=<at least 32 random characters> REGISTRY_NAMING_KEY=<another 32, never rotated> \
 *     deno run --unstable-kv --allow-net --allow-env examples/deno-kv.ts
 *
 * GET / counts your views; POST /login {"user": "ada"} logs in; POST /logout logs out. GET /sessions
 * lists your sessions, DELETE /sessions/<id> ends one. POST /cart {"sku": "book"} adds a line to a
 * cart kept in Deno KV; GET /cart shows it.
 */
import { createSessions, type Session, SessionError } from "sealed-session";
import { denoKvRegistry } from "sealed-session/registry";
import { denoKvRevocationStore } from "sealed-session/revocation";
import { denoKvStore } from "sealed-session/store";

const secrets = Deno.env.get("SESSION_SECRETS");
const namingKey = Deno.env.get("REGISTRY_NAMING_KEY");
if (!secrets || !namingKey) {
  console.error(
    "Set SESSION_SECRETS and REGISTRY_NAMING_KEY (two different secrets), e.g. from `npx sealed-session secret`.",
  );
  Deno.exit(1);
}

// DENO_KV_PATH=":memory:" for tests; unset, a local SQLite file (or Deno Deploy's KV).
const kv = await Deno.openKv(Deno.env.get("DENO_KV_PATH"));
type Data = { views?: number; cart?: Record<string, number> };
const sessions = createSessions<Data>({
  secrets,
  revocation: denoKvRevocationStore(kv),
  registry: { store: denoKvRegistry(kv, { namingKey }), maxSessionsPerUser: 5 },
  store: { store: denoKvStore(kv) },
});

async function route(request: Request, session: Session<Data>): Promise<Response> {
  const { pathname } = new URL(request.url);
  // JSON only: a form post could come from another site (CSRF).
  const body = async () =>
    request.headers.get("content-type") === "application/json"
      ? ((await request.json().catch(() => ({}))) as Record<string, unknown>)
      : null;
  if (request.method === "GET" && pathname === "/") {
    session.data.views = (session.data.views ?? 0) + 1;
    return Response.json({ user: session.userId ?? null, views: session.data.views });
  }
  if (request.method === "POST" && pathname === "/login") {
    const { user } = (await body()) ?? { user: null };
    if (user === null) return new Response(null, { status: 415 });
    if (typeof user !== "string" || user === "") return Response.json({ error: "user?" }, { status: 400 });
    session.login(user); // registered in Deno KV when the response is committed
    return Response.json({ user });
  }
  if (request.method === "POST" && pathname === "/logout") {
    session.destroy(); // clears the cookie, ends its registry entry and revokes its id
    return Response.json({ user: null });
  }
  if (pathname === "/sessions" || pathname.startsWith("/sessions/")) {
    if (session.userId === undefined) return Response.json({ error: "log in first" }, { status: 401 });
    if (request.method === "GET" && pathname === "/sessions") {
      return Response.json(await sessions.listSessions(session));
    }
    if (request.method === "DELETE") {
      const ended = await sessions.endSession(session, pathname.slice("/sessions/".length));
      return ended
        ? Response.json({ ended: true })
        : Response.json({ error: "no such session" }, { status: 404 });
    }
  }
  if (pathname === "/cart" && request.method === "GET")
    return Response.json({ cart: session.data.cart ?? {} });
  if (pathname === "/cart" && request.method === "POST") {
    const { sku } = (await body()) ?? { sku: null };
    if (sku === null) return new Response(null, { status: 415 });
    if (typeof sku !== "string" || sku === "") return Response.json({ error: "sku?" }, { status: 400 });
    // Deno KV could not be asked: the session is read-only for this response. Say so.
    if (session.readOnly)
      return Response.json({ error: session.invalidReason ?? "read_only" }, { status: 503 });
    // Only this line changes: requests adding other lines at the same time all land.
    session.data.cart = { ...session.data.cart, [sku]: (session.data.cart?.[sku] ?? 0) + 1 };
    session.moveToStore(); // a cart lives in Deno KV, not in the cookie
    return Response.json({ cart: session.data.cart });
  }
  return new Response("Not found", { status: 404 });
}

Deno.serve(
  {
    hostname: "127.0.0.1",
    port: Number(Deno.env.get("PORT") ?? 8000),
    onListen: ({ hostname, port }) => console.log(`Listening on http://${hostname}:${port}/`),
  },
  async (request) => {
    try {
      const session = await sessions.load(request);
      const response = await route(request, session);
      await sessions.commit(session, response.headers);
      return response;
    } catch (error) {
      // The library's errors are typed (a stable code): the client hears a 503 with it, not a 500.
      if (error instanceof SessionError) {
        return Response.json({ error: error.code }, { status: 503, headers: { "retry-after": "5" } });
      }
      throw error;
    }
  },
);
