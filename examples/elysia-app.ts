/**
 * sealed-session on Elysia (Bun): a typed `session` in every handler, committed on every response.
 *
 *   bun add sealed-session elysia
 *   SESSION_SECRETS=<at least 32 random characters> bun examples/elysia-app.ts
 *
 * GET / counts your views and shows a flashed notice once; POST /login {"user": "ada"} logs in;
 * POST /logout logs out and revokes the session, so a copy of the cookie stops working; PUT /note
 * {"note": "…"} keeps a note (a long one spans two cookies); /account is for logged-in users.
 */
import { Elysia, NotFoundError, t } from "elysia";
import { memoryRevocationStore } from "sealed-session";
import { sessions } from "sealed-session/elysia";

type Data = { views: number; note: string };
type Flash = { notice: string };

const session = sessions<Data, Flash>({
  // Newest first, comma-separated (`npx sealed-session secret` makes one). Missing: a ConfigError.
  secrets: process.env.SESSION_SECRETS ?? "",
  // Logout revokes the session id. Memory is enough for one process; with several, use a shared
  // store (docs/revocation.md).
  revocation: memoryRevocationStore(),
  // Up to two cookies, so a long note can show a session that spans several.
  cookie: { maxBytes: 2 * 4096 },
});

// A module of its own, as in a larger app: it uses the plugin for its types, and Elysia registers
// the plugin once, so the session is still loaded and committed once per request.
const account = new Elysia({ prefix: "/account" })
  .use(session)
  .get("/", ({ session }) => ({ user: session.userId }), {
    // Runs before the handler; what it returns is the response, and the session is committed on it.
    beforeHandle: ({ session, status }) => {
      if (session.userId !== undefined) return;
      session.flash("notice", "Log in first");
      return status(401, { error: "log in first" });
    },
  });

const app = new Elysia()
  .use(session)
  .use(account)
  .get("/", ({ session }) => {
    session.data.views = (session.data.views ?? 0) + 1;
    return {
      user: session.userId ?? null,
      views: session.data.views,
      notice: session.flash("notice") ?? null,
    };
  })
  .get("/me", ({ session }) => ({
    user: session.userId ?? null,
    views: session.data.views ?? 0,
    invalid: session.invalidReason ?? null,
  }))
  .post(
    "/login",
    ({ body: { user }, session }) => {
      // ...check the password first; login() issues a new session id (no fixation).
      session.login(user);
      session.flash("notice", `Welcome, ${user}`);
      return { user };
    },
    // JSON only: a form post could come from another site (CSRF).
    { parse: "json", body: t.Object({ user: t.String({ minLength: 1 }) }) },
  )
  .post("/logout", ({ session }) => {
    session.destroy();
    return { user: null };
  })
  .get("/note", ({ session }) => ({ note: session.data.note ?? "" }))
  .put(
    "/note",
    ({ body: { note }, session }) => {
      session.data.note = note;
      return { length: note.length };
    },
    { parse: "json", body: t.Object({ note: t.String() }) },
  )
  .delete("/note", ({ session }) => {
    if (session.data.note === undefined) {
      session.flash("notice", "There was no note");
      throw new NotFoundError(); // a 404 from a handler: the flash still reaches the browser
    }
    delete session.data.note;
    return { deleted: true };
  })
  // A raw Response: committed onto it, its own headers kept.
  .get("/note.txt", ({ session }) => {
    session.flash("notice", "Note downloaded");
    return new Response(session.data.note ?? "", {
      headers: { "content-type": "text/plain", "content-disposition": "attachment" },
    });
  })
  // The app's own cookies (Elysia's cookie jar) go out next to the session's.
  .post(
    "/theme",
    ({ body: { theme }, cookie, session }) => {
      cookie.theme.set({ value: theme, path: "/", sameSite: "lax" });
      session.flash("notice", `Theme: ${theme}`);
      return { theme };
    },
    {
      parse: "json",
      body: t.Object({ theme: t.String() }),
      cookie: t.Cookie({ theme: t.Optional(t.String()) }),
    },
  )
  .get("/oops", ({ session }) => {
    session.flash("notice", "Something went wrong");
    throw new Error("the handler broke"); // a 500: the flash is committed all the same
  })
  // Unmatched routes load no session: this body is all they get.
  .onError(({ code }) => (code === "NOT_FOUND" ? { error: "not found" } : undefined))
  .listen({ hostname: "127.0.0.1", port: Number(process.env.PORT ?? 3000) });

console.log(`Listening on ${app.server?.url}`);
