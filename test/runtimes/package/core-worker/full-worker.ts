// The control for tree-shaking.test.ts: a Worker that does use the Hono middleware, the stores and
// (a little of) the token code, so the check is seen to find them when they are really there.
import { Hono } from "hono";
import { memoryRevocationStore, TOKEN_REASONS } from "sealed-session";
import { type SessionEnv, sessions } from "sealed-session/hono";
import { kvRevocationStore } from "sealed-session/revocation";

interface Env {
  readonly SESSION_SECRETS: string;
  readonly SESSIONS: Parameters<typeof kvRevocationStore>[0];
}

const memory = memoryRevocationStore();

export default new Hono<{ Bindings: Env } & SessionEnv<{ views: number }>>()
  .use(
    sessions((c) => ({
      secrets: c.env.SESSION_SECRETS,
      revocation: c.env.SESSIONS ? kvRevocationStore(c.env.SESSIONS) : memory,
    })),
  )
  .get("/", (c) => {
    const views = (c.var.session.data.views ?? 0) + 1;
    c.var.session.data.views = views;
    return c.text(`views: ${views}`);
  })
  .get("/token-reasons", (c) => c.json(TOKEN_REASONS));
