/**
 * sealed-session on Bun with `Bun.serve`.
 *
 *   bun add sealed-session
 *   SESSION_SECRETS=<at least 32 random characters> bun examples/bun-serve.ts
 *
 * GET / counts your views; POST /login {"user": "ada"} logs in; POST /logout logs out. Sessions are
 * stateless: a copy of a cookie taken before logout works until it expires, unless you pass a
 * `revocation` store (see docs/runtimes.md).
 */
import { createSessions } from "sealed-session";

const secrets = process.env.SESSION_SECRETS;
if (!secrets) {
  console.error(
    "Set SESSION_SECRETS (newest first, comma-separated), e.g. from `npx sealed-session secret`.",
  );
  process.exit(1);
}

const sessions = createSessions<{ views: number }>({ secrets });

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 3000),
  routes: {
    "/": {
      async GET(request) {
        const session = await sessions.load(request);
        session.data.views = (session.data.views ?? 0) + 1;
        const response = Response.json({ user: session.userId ?? null, views: session.data.views });
        await sessions.commit(session, response.headers);
        return response;
      },
    },
    "/login": {
      async POST(request) {
        // JSON only: a form post could come from another site (CSRF).
        if (request.headers.get("content-type") !== "application/json")
          return new Response(null, { status: 415 });
        const { user } = await request.json().catch(() => ({}));
        if (typeof user !== "string" || user === "")
          return Response.json({ error: "user?" }, { status: 400 });
        const session = await sessions.load(request);
        session.login(user);
        const response = Response.json({ user });
        await sessions.commit(session, response.headers);
        return response;
      },
    },
    "/logout": {
      async POST(request) {
        const session = await sessions.load(request);
        session.destroy();
        const response = Response.json({ user: null });
        await sessions.commit(session, response.headers);
        return response;
      },
    },
  },
  fetch: () => new Response("Not found", { status: 404 }),
});

console.log(`Listening on ${server.url}`);
