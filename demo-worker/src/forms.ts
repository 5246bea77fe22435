/**
 * The demo's one HTML-form route, outside the JSON API (which refuses form bodies):
 * `POST /form/note` with `application/x-www-form-urlencoded` `note=…&_csrf=<token>` stores the note
 * and redirects (303) to the page. `csrfProtection()` refuses a foreign origin or a missing or wrong
 * token with 403 `{"error": "csrf", "reason": …}`; the page takes its token from `GET /api/csrf`.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { csrfProtection, type SessionEnv, sessions } from "sealed-session/hono";
import { type DemoBindings, type DemoData, sessionOptions } from "./config.ts";

/** Notes are short; the body has room for one and its token. */
const MAX_NOTE = 200;

export const forms = new Hono<{ Bindings: DemoBindings } & SessionEnv<DemoData>>()
  .use(
    bodyLimit({ maxSize: 4096, onError: (c) => c.json({ error: "a form body is at most 4096 bytes" }, 413) }),
  )
  .use(sessions<DemoData>((c) => sessionOptions(c.env)))
  .use(csrfProtection<DemoData>())
  .post("/note", async (c) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded") {
      return c.json({ error: "send the form as application/x-www-form-urlencoded" }, 415);
    }
    const note = (await c.req.parseBody()).note;
    if (typeof note !== "string" || note.length > MAX_NOTE) {
      return c.json({ error: `a note is text of at most ${MAX_NOTE} characters` }, 400);
    }
    c.var.session.data.note = note;
    return c.redirect("/", 303);
  })
  .all("*", (c) => c.json({ error: "no such form route" }, 404));
