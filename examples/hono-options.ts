// Options from c.env, resolved once per env, with a revocation store and an error handler.
import { Hono } from "hono";
import { CookieTooLargeError, type SessionsOptions } from "sealed-session";
import { sessions } from "sealed-session/hono";
import { kvRevocationStore } from "sealed-session/revocation";

type Bindings = { SESSION_SECRETS: string; SESSIONS: KVNamespace };
type Data = { notes: string[] };

// env is the same object on every request of a Workers isolate: build the options (and the store
// in them) once per env, so the middleware sees the same store and reuses one manager.
const optionsByEnv = new WeakMap<object, SessionsOptions>();
function sessionOptions(env: Bindings): SessionsOptions {
  let options = optionsByEnv.get(env);
  if (!options) {
    options = { secrets: env.SESSION_SECRETS, revocation: kvRevocationStore(env.SESSIONS) };
    optionsByEnv.set(env, options);
  }
  return options;
}

const app = new Hono<{ Bindings: Bindings }>()
  .use(sessions<Data>((c) => sessionOptions(c.env)))
  .post("/notes", async (c) => {
    const { note } = await c.req.json<{ note: string }>();
    c.var.session.data.notes = [...(c.var.session.data.notes ?? []), note];
    return c.json({ notes: c.var.session.data.notes.length });
  });

app.onError((error, c) => {
  // Users decide how much these notes hold, so a session too large for its cookies is their 413.
  if (error instanceof CookieTooLargeError) return c.json({ error: "too many notes" }, 413);
  console.error(error);
  return c.json({ error: "internal error" }, 500);
});

export default app;
