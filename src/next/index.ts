/**
 * Next.js (App Router): `nextSessions<Data>(options)` reads the session in Server Components
 * (read-only), reads and writes it in Server Actions and Route Handlers through `cookies()` from
 * `next/headers`, and refreshes or re-seals it in the request interceptor (`proxy.ts`, or
 * `middleware.ts` before Next 16), forwarding the new cookie on the request so that the same
 * request's Server Components see it.
 *
 * Nothing of Next is imported, not even its types: its cookie stores and requests are typed by the
 * members used here, which Next's own objects have (examples/next-app type-checks against them).
 */
import type { ReasonCode } from "../errors.ts";
import { CACHE_HEADERS } from "../session/cache-control.ts";
import type { CommitOptions, CommitResult, Sessions, SessionsOptions } from "../session/manager.ts";
import type { Session } from "../session/session.ts";
import { lazyManager } from "../workers/manager-cache.ts";
import {
  type CookieSource,
  type CookieStore,
  type CookieToSet,
  cookieHeader,
  forwardedCookieHeader,
  toCookieToSet,
} from "./cookies.ts";

/**
 * Options for {@link nextSessions}: an object, checked at once, or a function that returns one,
 * called on first use — for secrets that `next build` does not have (it imports your modules).
 */
export type NextSessionsOptions = SessionsOptions | (() => SessionsOptions);

/** `data` as a Server Component sees it: frozen, to the last nested value. */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * The session as a Server Component may see it: everything to read, nothing to change — a Server
 * Component cannot set cookies. `data` is frozen, so a change throws instead of being lost. Flash
 * values are not offered: reading one removes it, which needs a write (a Route Handler or Server Action).
 */
export interface ReadonlySession<Data extends object = Record<string, unknown>> {
  readonly id: string;
  readonly isNew: boolean;
  readonly invalidReason: ReasonCode | undefined;
  readonly userId: string | undefined;
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly idleExpiresAt: number | undefined;
  readonly persistent: boolean;
  /** The revocation store could not be asked: the session is anonymous for this request. */
  readonly readOnly: boolean;
  readonly data: DeepReadonly<Partial<Data>>;
}

/** What the proxy helper hands `respond`: give it to `NextResponse.next(init)` or `NextResponse.rewrite(url, init)`. */
export interface ForwardInit {
  readonly request: { readonly headers: Headers };
}

/** What {@link NextSessions.commit} did. */
export interface NextCommitResult extends CommitResult {
  /**
   * The caching headers the commit chose (`Cache-Control: private, no-store` once the session is set
   * or read): put them on a Route Handler's response, to which Next adds none —
   * `Response.json(body, { headers })`. Server Actions and pages get Next's own `no-store`.
   */
  readonly headers: Headers;
}

/** The request in `proxy.ts`/`middleware.ts` (a `NextRequest`). */
export interface ProxyRequest {
  readonly headers: Headers;
  readonly cookies: CookieSource;
}

export interface NextSessions<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
> {
  /** The core manager, for `revokeUser`, `estimateSize` and tokens. Resolves the options on first use. */
  readonly manager: Sessions<Data, Flash>;
  /**
   * Server Components: `await sessions.read(await cookies())`. Never throws for a bad cookie (see
   * `invalidReason`); a read-only view, since a Server Component cannot set cookies.
   */
  read(cookies: CookieSource): Promise<ReadonlySession<Data>>;
  /**
   * Server Actions and Route Handlers: `await sessions.load(await cookies())`, change it, then
   * `commit`. Never throws for a bad cookie.
   */
  load(cookies: CookieSource): Promise<Session<Data, Flash>>;
  /**
   * Writes what changed through `cookies().set` (each chunk its own cookie, stale chunks cleared);
   * nothing when nothing changed. Call it once, before `redirect()` or returning. Throws
   * `CookieTooLargeError`, and Next's own error where cookies cannot be set (a Server Component).
   */
  commit(
    session: Session<Data, Flash>,
    cookies: CookieStore,
    options?: CommitOptions,
  ): Promise<NextCommitResult>;
  /**
   * The request interceptor: loads the session, commits it (a due refresh, a re-seal under the newest
   * secret or format, clearing a rejected cookie), and calls `respond` with the request headers to
   * forward, whose `Cookie` header already holds the new cookie — so this request's Server
   * Components and Route Handlers read what the browser will hold. The `Set-Cookie` lines and
   * `Cache-Control` are then added to the response `respond` returns (a `NextResponse`).
   */
  proxy<R extends Response>(
    request: ProxyRequest,
    respond: (init: ForwardInit, session: ReadonlySession<Data>) => R | Promise<R>,
    options?: CommitOptions,
  ): Promise<R>;
}

/**
 * Sessions for a Next.js app. Create it once, in a module of its own, and import it where needed:
 *
 *   export const sessions = nextSessions<Data>(() => ({ secrets: process.env.SESSION_SECRETS! }));
 */
export function nextSessions<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
>(options: NextSessionsOptions): NextSessions<Data, Flash> {
  // Fixed options are checked now, so a misconfiguration stops the app at start-up.
  const manager = lazyManager<Data, Flash>(options);

  return {
    get manager() {
      return manager();
    },
    read: async (cookies) => view(await manager().load(new Headers({ cookie: cookieHeader(cookies) }))),
    load: (cookies) => manager().load(new Headers({ cookie: cookieHeader(cookies) })),
    async commit(session, cookies, commitOptions) {
      const scratch = new Headers();
      const { revocationError } = await manager().commit(session, scratch, commitOptions);
      for (const line of scratch.getSetCookie()) cookies.set(toCookieToSet(line));
      return { revocationError, headers: cachingHeaders(scratch) };
    },
    async proxy(request, respond, commitOptions) {
      const sessions = manager();
      const session = await sessions.load(new Headers({ cookie: cookieHeader(request.cookies) }));
      // Commit first: the forwarded Cookie header must already hold what the browser is told to keep.
      const scratch = new Headers();
      await sessions.commit(session, scratch, commitOptions);
      const setCookies = scratch.getSetCookie();
      const headers = new Headers(request.headers);
      if (setCookies.length > 0) {
        const cookie = forwardedCookieHeader(request.headers.get("cookie"), setCookies);
        if (cookie === "") headers.delete("cookie");
        else headers.set("cookie", cookie);
      }
      const response = await respond({ request: { headers } }, view(session));
      for (const line of setCookies) response.headers.append("set-cookie", line);
      for (const [name, value] of cachingHeaders(scratch)) response.headers.set(name, value);
      return response;
    },
  };
}

/** The caching headers a commit set into `scratch` (it starts empty, so there is nothing to remove). */
function cachingHeaders(scratch: Headers): Headers {
  const headers = new Headers();
  for (const name of CACHE_HEADERS) {
    const value = scratch.get(name);
    if (value !== null) headers.set(name, value);
  }
  return headers;
}

/** The read-only view of a session a Server Component gets. */
function view<Data extends object>(session: Session<Data, object>): ReadonlySession<Data> {
  return Object.freeze({
    id: session.id,
    isNew: session.isNew,
    invalidReason: session.invalidReason,
    userId: session.userId,
    issuedAt: session.issuedAt,
    expiresAt: session.expiresAt,
    idleExpiresAt: session.idleExpiresAt,
    persistent: session.persistent,
    readOnly: session.readOnly,
    data: deepFreeze(session.data) as DeepReadonly<Partial<Data>>,
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

export type {
  CommitOptions,
  CommitResult,
  CookieSource,
  CookieStore,
  CookieToSet,
  Session,
  Sessions,
  SessionsOptions,
};
