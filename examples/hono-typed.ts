// The two app forms in which the session type reaches handlers.
import { Hono } from "hono";
import { type SessionEnv, sessions } from "sealed-session/hono";

type Data = { cart: string[] };
type Flash = { notice: string };
const secrets = "a-secret-of-at-least-32-characters-0123456789"; // use env in real code

// 1. Chained: each .use() adds the middleware's types to the app.
export const chained = new Hono()
  .use(sessions<Data, Flash>({ secrets }))
  .get("/cart", (c) => c.json({ cart: c.var.session.data.cart ?? [] }));

// 2. Typed up front: declare SessionEnv on the app, then use() and routes in any order.
type AppEnv = { Bindings: { SESSION_SECRETS: string } } & SessionEnv<Data, Flash>;
export const typed = new Hono<AppEnv>();
typed.use(sessions<Data, Flash>((c) => ({ secrets: c.env.SESSION_SECRETS })));
typed.post("/cart/:item", (c) => {
  const session = c.var.session;
  session.data.cart = [...(session.data.cart ?? []), c.req.param("item")];
  session.flash("notice", "Added to your cart");
  return c.redirect("/cart", 303);
});

// Not typed: `const app = new Hono(); app.use(sessions<Data>(...)); app.get(...)` — a separate
// app.use() statement cannot change the type of `app`, so c.var.session is unknown there.
