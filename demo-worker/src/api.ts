/** The demo's JSON API: a contract (see docs/demo.md) that tests and the page rely on. */
import { Hono } from "hono";
import { DataError, RevocationWriteError } from "sealed-session";
import { requireFreshAuth, type SessionEnv, sessions } from "sealed-session/hono";
import { type DemoBindings, type DemoData, freshAge, sessionOptions } from "./config.ts";
import { type RulesEnv, requestRules } from "./rules.ts";
import { tokenRoutes } from "./tokens.ts";

type ApiEnv = { Bindings: DemoBindings } & SessionEnv<DemoData> & RulesEnv;

const USER = /^[\p{L}\p{N} ._@+-]{1,64}$/u;
const SKU = /^[\w-]{1,64}$/;

/** Why data was refused; the core's message names a path built of the client's keys, so it is not echoed. */
export const DATA_REFUSED = "the data cannot be stored: at most 64 levels deep, and only finite numbers";

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export const api = new Hono<ApiEnv>()
  .use(requestRules)
  .use(sessions<DemoData>((c) => sessionOptions(c.env)))

  .get("/me", (c) => {
    const session = c.var.session;
    const views = (session.data.views ?? 0) + 1;
    session.data.views = views;
    return c.json({
      user: session.userId ?? null,
      views,
      // Enough to tell sessions apart on the page; the id is no secret, but it need not be shown whole.
      id: session.id.slice(0, 8),
      isNew: session.isNew,
      invalidReason: session.invalidReason ?? null,
      issuedAt: session.issuedAt,
      expiresAt: session.expiresAt,
      idleExpiresAt: session.idleExpiresAt ?? null,
      stored: session.data.stored ?? null,
      storedIn: session.storedIn,
      // Step-up: when the user last authenticated, and until when POST /api/sensitive accepts it.
      authAt: session.authAt ?? null,
      freshUntil: session.authAt === undefined ? null : session.authAt + freshAge(c.env) * 1000,
      note: session.data.note ?? null,
    });
  })

  // The CSRF token for the page's HTML form (POST /form/note). Asking persists an anonymous session.
  .get("/csrf", async (c) => {
    c.header("cache-control", "no-store");
    return c.json({ token: await c.var.sessions.csrfToken(c.var.session) });
  })

  // A sensitive action: only within SESSION_FRESH_AGE seconds of logging in (else 403 reauth_required).
  .post(
    "/sensitive",
    requireFreshAuth<DemoData>((c) => freshAge(c.env as DemoBindings)),
    (c) => c.json({ ok: true, user: c.var.session.userId, authAt: c.var.session.authAt }),
  )

  .post("/login", (c) => {
    const body = c.var.body;
    if (!isPlainObject(body) || typeof body.user !== "string" || !USER.test(body.user)) {
      return c.json({ error: 'send {"user": "<name>"}: 1-64 letters, digits, spaces or . _ @ + -' }, 400);
    }
    c.var.session.login(body.user);
    return c.json({ user: body.user });
  })

  .post("/logout", (c) => {
    // With a revocation store in the options, destroying also revokes this session id.
    c.var.session.destroy();
    return c.json({ user: null });
  })

  .post("/logout-all", async (c) => {
    const session = c.var.session;
    const user = session.userId;
    if (user === undefined) return c.json({ error: "not logged in" }, 401);
    // Revokes this user's sessions on every device when the options name a revocation store.
    // This device logs out whatever the store says; the other devices need the write to land.
    session.destroy();
    const options = sessionOptions(c.env);
    if (options.revocation || options.registry) {
      try {
        await c.var.sessions.revokeUser(user, { waitUntil: waitUntilOf(c) });
      } catch (error) {
        // KV refused the write (one write per key per second, or the daily cap): a retry is queued.
        if (error instanceof RevocationWriteError) {
          return c.json({ user: null, error: "could not log out your other devices yet; try again" }, 503);
        }
        throw error;
      }
    }
    return c.json({ user: null });
  })

  .put("/data", (c) => {
    const body = c.var.body;
    if (!isPlainObject(body)) return c.json({ error: "send a JSON object" }, 400);
    try {
      // Assigning `data` checks it now (JSON, at most 64 levels deep), not at commit, after the handler.
      c.var.session.data = { ...c.var.session.data, stored: body };
    } catch (error) {
      // JSON.parse gives plain JSON, so only depth or a number like 1e400 (Infinity) gets here.
      if (error instanceof DataError) return c.json({ error: DATA_REFUSED }, 400);
      throw error;
    }
    return c.json({ stored: Object.keys(body).length });
  })

  // The cart: one line per SKU, in the server-side store (concurrent adds from several tabs all land).
  .get("/cart", (c) => c.json({ items: c.var.session.data.cart ?? {} }))

  .post("/cart", (c) => {
    const body = c.var.body;
    if (
      !isPlainObject(body) ||
      typeof body.sku !== "string" ||
      !SKU.test(body.sku) ||
      !Number.isInteger(body.qty) ||
      (body.qty as number) < 1 ||
      (body.qty as number) > 999
    ) {
      return c.json(
        { error: 'send {"sku": "<id>", "qty": <1-999>}: a SKU of 1-64 letters, digits, _ or -' },
        400,
      );
    }
    const session = c.var.session;
    // A cart keeps its session in the store: each request then sends only the line it changed.
    session.moveToStore();
    session.data.cart = { ...session.data.cart, [body.sku]: body.qty as number };
    return c.json({ items: session.data.cart });
  })

  .delete("/cart/:sku", (c) => {
    const sku = c.req.param("sku");
    if (!SKU.test(sku)) return c.json({ error: "no such SKU" }, 404);
    const session = c.var.session;
    const cart = { ...session.data.cart };
    delete cart[sku];
    session.data.cart = cart;
    return c.json({ items: cart });
  })

  // "Your devices": the registry's view of this user's sessions (handles, never session ids).
  .get("/sessions", async (c) => {
    const session = c.var.session;
    if (session.userId === undefined) return c.json({ error: "not logged in" }, 401);
    const listed = await c.var.sessions.listSessions(session);
    return c.json({
      sessions: listed.map(({ id, current, createdAt, lastSeenAt, label }) => ({
        id,
        current,
        createdAt,
        lastSeenAt,
        label,
      })),
    });
  })

  // Ends one of this user's sessions: that device is anonymous (revoked) on its next request.
  .delete("/sessions/:handle", async (c) => {
    const session = c.var.session;
    if (session.userId === undefined) return c.json({ error: "not logged in" }, 401);
    const ended = await c.var.sessions.endSession(session, c.req.param("handle"));
    return ended ? c.json({ ended: true }) : c.json({ error: "no such session of yours" }, 404);
  })

  // "Log out other devices": every session of this user but this one.
  .post("/sessions/revoke-others", async (c) => {
    const session = c.var.session;
    if (session.userId === undefined) return c.json({ error: "not logged in" }, 401);
    return c.json({ ended: await c.var.sessions.endOtherSessions(session) });
  })

  // Issued and verified by the sessions' manager (its `tokens` option): the sessions' revocation store.
  .route("/token", tokenRoutes())

  .all("*", (c) => c.json({ error: "no such API route" }, 404));

/** `ctx.waitUntil` where the runtime has one (Hono throws when there is no ExecutionContext). */
function waitUntilOf(c: {
  executionCtx: { waitUntil(promise: Promise<unknown>): void };
}): ((promise: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return undefined;
  }
}
