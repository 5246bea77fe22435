/**
 * sealed-session on Deno with `Deno.serve`, and logout made real by revocation in Deno KV.
 *
 *   deno add jsr:@sealed-session/sealed-session   # maps "sealed-session" in deno.json
 *   SESSION_SECRETS=<at least 32 random characters> \
 *     deno run --unstable-kv --allow-net --allow-env examples/deno-serve.ts
 *
 * GET / counts your views; POST /login {"user": "ada"} logs in; POST /logout logs out, and a copy
 * of the old cookie is refused from then on.
 */
import { createSessions } from "sealed-session";
import { denoKvRevocationStore } from "sealed-session/revocation";

const secrets = Deno.env.get("SESSION_SECRETS");
if (!secrets) {
  console.error(
    "Set SESSION_SECRETS (newest first, comma-separated), e.g. from `npx sealed-session secret`.",
  );
  Deno.exit(1);
}

// Local SQLite by default; Deno Deploy provides a managed one. DENO_KV_PATH=":memory:" for tests.
const kv = await Deno.openKv(Deno.env.get("DENO_KV_PATH"));
const sessions = createSessions<{ views: number }>({ secrets, revocation: denoKvRevocationStore(kv) });

async function handle(request: Request): Promise<Response> {
  const session = await sessions.load(request);
  const { pathname } = new URL(request.url);
  let response: Response;
  if (request.method === "GET" && pathname === "/") {
    session.data.views = (session.data.views ?? 0) + 1;
    response = Response.json({ user: session.userId ?? null, views: session.data.views });
  } else if (request.method === "POST" && pathname === "/login") {
    // JSON only: a form post could come from another site (CSRF).
    if (request.headers.get("content-type") !== "application/json")
      return new Response(null, { status: 415 });
    const { user } = await request.json().catch(() => ({}));
    if (typeof user !== "string" || user === "") return Response.json({ error: "user?" }, { status: 400 });
    session.login(user);
    response = Response.json({ user });
  } else if (request.method === "POST" && pathname === "/logout") {
    session.destroy(); // clears the cookie, and revokes its id in Deno KV
    response = Response.json({ user: null });
  } else {
    return new Response("Not found", { status: 404 });
  }
  await sessions.commit(session, response.headers);
  return response;
}

Deno.serve(
  {
    hostname: "127.0.0.1",
    port: Number(Deno.env.get("PORT") ?? 8000),
    onListen: ({ hostname, port }) => console.log(`Listening on http://${hostname}:${port}/`),
  },
  handle,
);
