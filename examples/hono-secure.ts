// Sessions with Hono's csrf, secureHeaders and cookie helpers.
import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { secureHeaders } from "hono/secure-headers";
import { sessions } from "sealed-session/hono";

type Bindings = { SESSION_SECRETS: string };

const app = new Hono<{ Bindings: Bindings }>()
  .use(secureHeaders()) // first: its headers land on every response, error pages included
  .use(csrf()) // refuses cross-origin form posts before a session is even read
  .use(sessions<{ theme?: string }>((c) => ({ secrets: c.env.SESSION_SECRETS })))
  .post("/theme", async (c) => {
    const { theme } = await c.req.parseBody<{ theme: string }>();
    c.var.session.data.theme = theme;
    // Other cookies coexist with the session's: each is its own Set-Cookie header.
    setCookie(c, "theme-hint", theme, { path: "/", sameSite: "Lax", secure: true });
    return c.redirect("/", 303);
  })
  .post("/reset", (c) => {
    deleteCookie(c, "theme-hint", { path: "/", secure: true });
    c.var.session.destroy();
    return c.redirect("/", 303);
  });

export default app;
