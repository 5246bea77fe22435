/**
 * Elysia plugin: `new Elysia().use(sessions<Data>(options))` puts a typed session in every
 * handler's context (`({ session }) => …`) and commits it once, on whatever response the request
 * ends in. Elysia's hooks differ per outcome, so the commit sits in the one that runs for each:
 * `onAfterHandle` for values, raw `Response`s and early returns of `beforeHandle`; `onError` for
 * thrown errors (validation, `NotFoundError` and the rest). Not `mapResponse`: a global one makes
 * Elysia drop the body an app's `onError` returns for unmatched routes.
 */
import { parseSetCookie } from "cookie";
import { Elysia } from "elysia";
import { LoginUnavailableError } from "../errors.ts";
import { CACHE_HEADERS } from "../session/cache-control.ts";
import { createSessions, type Sessions, type SessionsOptions } from "../session/manager.ts";
import type { Session } from "../session/session.ts";
import { commitToResponse, loginUnavailable } from "../workers/respond.ts";

/**
 * What the plugin adds to the context of every handler (and hook) registered after it: the
 * request's session, and the manager that loaded it (for `revokeUser`, `estimateSize`, tokens).
 */
export type SessionContext<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
> = {
  readonly session: Session<Data, Flash>;
  readonly sessions: Sessions<Data, Flash>;
};

/** The plugin's type: an Elysia instance that derives a {@link SessionContext} for every route. */
export type SessionPlugin<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
> = Elysia<"", { decorator: Empty; store: Empty; derive: SessionContext<Data, Flash>; resolve: Empty }>;

type Empty = Record<never, never>;

/** What a commit writes to in Elysia's `set`: its headers, and the cookie jar Elysia serializes. */
interface ResponseSet {
  headers: Record<string, string | number>;
  cookie?: Record<string, unknown>;
}

const verbatim = (value: string) => value;

/**
 * The plugin. Options are checked now, so a misconfiguration stops the app at start-up. Use it on
 * every instance whose handlers need the session: instances for the same cookie name are one plugin
 * to Elysia, registered once however often `.use()`d (`new Elysia({ name, seed })`), so the session
 * is loaded and committed once per request. `session` and `sessions` (the manager, for `revokeUser`
 * and `estimateSize`) are added to the context of every route registered after `.use()`, on this
 * instance and the ones that use it (`as: "global"`). A `CookieTooLargeError` at commit is thrown
 * on to `onError` (a 500): a server-side bug.
 */
export function sessions<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
>(options: SessionsOptions): SessionPlugin<Data, Flash> {
  const manager = createSessions<Data, Flash>(options);
  /** Sessions already committed: an error after the commit must not commit again. */
  const committed = new WeakSet<Session<Data, Flash>>();
  /** The session to commit: loaded by this plugin (another configuration may have replaced it) and not yet committed. */
  const pending = (context: { session?: unknown; sessions?: unknown }) => {
    const { session } = context;
    if (context.sessions !== manager || session === undefined) return undefined;
    const mine = session as Session<Data, Flash>;
    if (committed.has(mine)) return undefined;
    committed.add(mine); // before the commit: one that throws is not tried again in onError
    return mine;
  };

  // The seed is the cookie name, never the options: Elysia keeps seeds (and may report them).
  const plugin = new Elysia({ name: "sealed-session", seed: manager.cookieName })
    .derive({ as: "global" }, async ({ request }) => ({
      session: await manager.load(request),
      sessions: manager as Sessions<Data, Flash>,
    }))
    .onAfterHandle({ as: "global" }, async ({ session, sessions, set, responseValue }) => {
      const mine = pending({ session, sessions });
      if (mine === undefined) return undefined;
      // A Response's own headers win over `set` when Elysia merges them: commit onto it directly,
      // so its Cache-Control is made private too, and replace it.
      if (responseValue instanceof Response) return commitToResponse(manager, mine, responseValue);
      return commitOrRefuse(manager, mine, set);
    })
    .onError({ as: "global" }, async (context) => {
      // An unmatched route (404) ran no derive: there is no session, and nothing to commit.
      const mine = pending(context as { session?: unknown; sessions?: unknown });
      return mine === undefined ? undefined : commitOrRefuse(manager, mine, context.set);
    });
  // onAfterHandle may return a Response (a raw one, committed), so Elysia's inferred type adds
  // `Response` to every route's response types; the declared type keeps just the context.
  return plugin as unknown as SessionPlugin<Data, Flash>;
}

/** Commits; a login the registry could not record answers 503 `login_unavailable` instead, with no cookie. */
async function commitOrRefuse<Data extends object, Flash extends object>(
  manager: Sessions<Data, Flash>,
  session: Session<Data, Flash>,
  set: ResponseSet,
): Promise<Response | undefined> {
  try {
    await commitToSet(manager, session, set);
    return undefined;
  } catch (error) {
    if (error instanceof LoginUnavailableError) return loginUnavailable();
    throw error;
  }
}

/**
 * Commits into scratch headers seeded with the caching headers the app set, then writes the result
 * back into `set`: caching headers into `set.headers`, each cookie into Elysia's cookie jar
 * (`set.cookie`), which Elysia serializes together with the app's own cookies — a `Set-Cookie`
 * written into `set.headers` would be replaced by the jar's whenever the app sets a cookie too.
 * The jar entries carry every attribute and an identity `encode`, and Elysia serializes them with
 * the same `cookie` library that wrote them, so the bytes sent are the ones the commit wrote.
 */
async function commitToSet<Data extends object, Flash extends object>(
  manager: Sessions<Data, Flash>,
  session: Session<Data, Flash>,
  set: ResponseSet,
): Promise<void> {
  const scratch = new Headers();
  const { headers } = set;
  // Header names in `set.headers` are in whatever case the app wrote them.
  const keyOf = new Map<string, string>();
  for (const [key, value] of Object.entries(headers)) {
    const name = key.toLowerCase();
    if (!CACHE_HEADERS.includes(name)) continue;
    keyOf.set(name, key);
    scratch.set(name, String(value));
  }
  await manager.commit(session, scratch);
  for (const name of CACHE_HEADERS) {
    const key = keyOf.get(name) ?? name;
    const value = scratch.get(name);
    if (value === null) delete headers[key];
    else headers[key] = value;
  }
  const cookies = scratch.getSetCookie();
  if (cookies.length === 0) return;
  set.cookie ??= Object.create(null) as Record<string, unknown>;
  for (const line of cookies) {
    const { name, value, ...attributes } = parseSetCookie(line, { decode: verbatim });
    set.cookie[name] = { ...attributes, value: value ?? "", encode: verbatim };
  }
}

export type { Session, Sessions, SessionsOptions };
