/** The demo's settings, all from `env`: secrets from `.dev.vars` or `wrangler secret put`, lifetimes from vars. */
import { ConfigError, type SessionsOptions } from "sealed-session";
import {
  durableObjectRegistry,
  durableObjectStore,
  type SessionDataStore,
  type SessionRegistry,
} from "sealed-session/cloudflare";
import { kvRevocationStore } from "sealed-session/revocation";
import { faultyKv } from "./faulty-kv.ts";
import { demoSessionTokens } from "./tokens.ts";

export interface DemoBindings {
  /** KV namespace for revocations. */
  SESSIONS: KVNamespace;
  /** The session registry: one Durable Object per user (wrangler.toml). */
  SESSION_REGISTRY?: DurableObjectNamespace<SessionRegistry>;
  /** Names each user's registry object (a keyed hash of the user id). A secret that never rotates. */
  SESSION_NAMING_KEY?: string;
  /** Live sessions a user may have; a login beyond it ends the oldest. Default 10. */
  SESSION_MAX_PER_USER?: string;
  /** Server-side session data: one Durable Object per stored session (wrangler.toml). */
  SESSION_DATA?: DurableObjectNamespace<SessionDataStore>;
  /** Comma-separated, newest first, each at least 32 characters. */
  SESSION_SECRETS?: string;
  /** Seconds. */
  SESSION_MAX_AGE?: string;
  /** Seconds; empty or "0" turns the idle timeout off. */
  SESSION_IDLE_TIMEOUT?: string;
  /** Seconds since the last login within which `POST /api/sensitive` is allowed. Default 300. */
  SESSION_FRESH_AGE?: string;
  /** Private signing JWK(s) for bearer tokens (JSON). `npm start` writes one to .dev.vars. */
  TOKEN_SIGNING_KEYS?: string;
  /** Fault injection for `npm run load` only: see faulty-kv.ts. Never set it in production. */
  KV_FAULT?: string;
}

/** What the demo keeps in a session. */
export interface DemoData {
  views: number;
  /** Whatever `PUT /api/data` sent (up to 64 KiB): a session that outgrows the cookie moves to the store. */
  stored: Record<string, unknown>;
  /** The cart: quantity per SKU. A cart keeps its session in the store, where concurrent adds all land. */
  cart: Record<string, number>;
  /** Set by the page's HTML form (`POST /form/note`, with a CSRF token). */
  note: string;
}

/** Seconds since the last authentication that `POST /api/sensitive` accepts (`SESSION_FRESH_AGE`). */
export function freshAge(env: DemoBindings): number {
  return seconds("SESSION_FRESH_AGE", env.SESSION_FRESH_AGE, false) ?? 300;
}

export const MISSING_SECRET =
  "SESSION_SECRETS or SESSION_NAMING_KEY is not set, so the demo refuses to run. Locally, `npm start` writes " +
  "both to .dev.vars; for a deployed Worker run `wrangler secret put SESSION_SECRETS` and " +
  "`wrangler secret put SESSION_NAMING_KEY` (a secret that never rotates: it names each user's Durable Object).";

export function hasSecret(env: Partial<DemoBindings> | undefined): boolean {
  return (
    typeof env?.SESSION_SECRETS === "string" &&
    env.SESSION_SECRETS.trim() !== "" &&
    typeof env.SESSION_NAMING_KEY === "string" &&
    env.SESSION_NAMING_KEY.trim() !== ""
  );
}

function seconds(
  name: string,
  value: string | undefined,
  zeroMeansOff: boolean,
  unit = "whole seconds",
): number | undefined {
  if (value === undefined || value.trim() === "" || (zeroMeansOff && value.trim() === "0")) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new ConfigError(`${name} must be ${unit} (a positive integer), not "${value}"`);
  }
  return parsed;
}

// `env` is the same object on every request of an isolate: resolve the options once per `env`, so
// the middleware finds one manager, and a store added here keeps one identity.
const optionsByEnv = new WeakMap<object, SessionsOptions>();

export function sessionOptions(env: DemoBindings): SessionsOptions {
  let options = optionsByEnv.get(env);
  if (options === undefined) {
    options = {
      secrets: env.SESSION_SECRETS ?? "",
      maxAge: seconds("SESSION_MAX_AGE", env.SESSION_MAX_AGE, false),
      idleTimeout: seconds("SESSION_IDLE_TIMEOUT", env.SESSION_IDLE_TIMEOUT, true),
      onInvalid: logRejectedCookie,

      // Makes logout real: a revoked cookie replayed later is anonymous. Default policy: fail closed.
      revocation: env.SESSIONS ? kvRevocationStore(faultyKv(env.SESSIONS, env.KV_FAULT)) : undefined,
      // Every logged-in session in one Durable Object per user: the devices list, and endings that
      // hold on the very next request (checkEvery 0). KV revocation above stays for what is not registered.
      registry: env.SESSION_REGISTRY
        ? {
            store: durableObjectRegistry(env.SESSION_REGISTRY, { namingKey: env.SESSION_NAMING_KEY ?? "" }),
            checkEvery: 0,
            maxSessionsPerUser:
              seconds("SESSION_MAX_PER_USER", env.SESSION_MAX_PER_USER, false, "a count of sessions") ?? 10,
          }
        : undefined,
      // Data that outgrows the cookie (and every cart) lives in a Durable Object per session; each commit
      // sends a patch of what changed. The demo allows 128 KiB per session.
      store: env.SESSION_DATA
        ? { store: durableObjectStore(env.SESSION_DATA), mode: "auto", maxBytes: 128 * 1024 }
        : undefined,
      // Bearer tokens through the manager, so they are always checked against the store above.
      tokens: demoSessionTokens(env),
    };
    optionsByEnv.set(env, options);
  }
  return options;
}

/** Logs why a cookie was rejected: the reason code only, never the cookie. */
function logRejectedCookie(event: { reason: string; cookie: string }): void {
  console.log(`demo: rejected ${event.cookie} cookie (${event.reason})`);
}
