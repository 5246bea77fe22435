/**
 * A second Elysia app for elysia.test.ts, run under Bun like examples/elysia-app.ts: the plugin
 * used three times for one cookie name, and the responses whose headers Elysia merges in ways of its
 * own (raw Responses with their own cookies or Cache-Control, immutable ones, streams).
 */
import process from "node:process";
import { Elysia } from "elysia";
import { type SessionsOptions, sessions } from "sealed-session/elysia";

type Data = { views: number; note: string };

/** Cookies rejected so far: a request whose cookie is loaded twice would count twice. */
let rejected = 0;
const options: SessionsOptions = {
  secrets: process.env.SESSION_SECRETS ?? "",
  cookie: { maxBytes: 2 * 4096 },
  onInvalid: () => {
    rejected++;
  },
};
const plugin = sessions<Data>(options);
const count = (session: { data: Partial<Data> }) => {
  session.data.views = (session.data.views ?? 0) + 1;
  return session.data.views;
};

// A module that uses the same instance again, for its types.
const sub = new Elysia({ prefix: "/sub" })
  .use(plugin)
  .get("/count", ({ session }) => ({ views: count(session) }));

const app = new Elysia()
  // Two instances for the same cookie, and the first again in `sub`: one plugin to Elysia.
  .use(plugin)
  .use(sessions<Data>({ ...options }))
  .use(sub)
  .get("/count", ({ session }) => ({ views: count(session) }))
  .get("/rejected", () => ({ rejected }))
  // A long note (two cookies) and the Response's own Set-Cookie: all three must arrive.
  .get("/raw-with-cookie", ({ session }) => {
    session.data.note = "x".repeat(5000);
    return new Response("raw", { headers: { "set-cookie": "own=1; Path=/" } });
  })
  // Elysia's redirect() is a Response too.
  .get("/go", ({ session, redirect }) => {
    count(session);
    return redirect("/count", 303);
  })
  // Response.redirect() has immutable headers.
  .get("/immutable", ({ session, request }) => {
    count(session);
    return Response.redirect(new URL("/count", request.url), 302);
  })
  // A storable Cache-Control on a response that sets the cookie is made private, in `set` or in a Response.
  .get("/public", ({ session, set }) => {
    set.headers["Cache-Control"] = "public, max-age=600";
    set.headers["CDN-Cache-Control"] = "max-age=600";
    return { views: count(session) };
  })
  .get("/public-raw", ({ session }) => {
    count(session);
    return new Response("raw", { headers: { "cache-control": "public, max-age=600" } });
  })
  // A streamed body: the session is committed with the headers, before the first chunk, so change
  // it in the handler (a change inside the generator's body would come after the headers).
  .get("/stream", ({ session }) => {
    const views = count(session);
    return (function* () {
      yield "views: ";
      yield String(views);
    })();
  })
  .listen({ hostname: "127.0.0.1", port: Number(process.env.PORT ?? 3000) });

console.log(`Listening on ${app.server?.url}`);
