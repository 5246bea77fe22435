// The control for tree-shaking.test.ts: a Worker that does use the Hono middleware, the revocation
// stores, a registry, a data store and (a little of) the token code, so the check is seen to find
// them when they are really there.
import { Hono } from "hono";
import { memoryRevocationStore, TOKEN_REASONS } from "sealed-session";
import { type SessionEnv, sessions } from "sealed-session/hono";
import { memoryRegistry } from "sealed-session/registry";
import { kvRevocationStore } from "sealed-session/revocation";
import { memoryStore } from "sealed-session/store";

interface Env {
  readonly SESSION_SECRETS: string;
  readonly SESSIONS: Parameters<typeof kvRevocationStore>[0];
}

const memory = memoryRevocationStore();
const registry = memoryRegistry();
const store = memoryStore();

export default new Hono<{ Bindings: Env } & SessionEnv<{ views: number }>>()
  .use(
    sessions((c) => ({
      secrets: c.env.SESSION_SECRETS,
      revocation: c.env.SESSIONS ? kvRevocationStore(c.env.SESSIONS) : memory,
      registry,
      store,
    })),
  )
  .get("/", (c) => {
    const views = (c.var.session.data.views ?? 0) + 1;
    c.var.session.data.views = views;
    return c.text(`views: ${views}`);
  })
  .get("/token-reasons", (c) => c.json(TOKEN_REASONS));
