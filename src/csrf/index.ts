/**
 * CSRF protection for HTML forms: an origin check (`Origin`, else `Sec-Fetch-Site`, with an
 * allow-list) and the session's CSRF token (see token.ts), from a header or a form field. JSON APIs
 * need neither: a cross-site page cannot send `application/json` without a CORS preflight, so they
 * refuse other bodies instead (see docs/safe-flows.md). The option shapes follow `hono/csrf`'s.
 */
import type { Sessions } from "../session/manager.ts";
import type { Session } from "../session/session.ts";

export type SecFetchSite = "same-origin" | "same-site" | "none" | "cross-site";

export interface CsrfOptions {
  /**
   * Origins allowed to send unsafe requests besides the request's own (e.g.
   * `"https://admin.example.com"`), or a function deciding. Default: only the request's own origin.
   * The request URL's origin must be the one the browser sees: behind a proxy that rewrites the
   * host, list the public origin here.
   */
  readonly origin?: string | readonly string[] | ((origin: string, request: Request) => boolean);
  /**
   * `Sec-Fetch-Site` values accepted when a request has no `Origin` header. Default `"same-origin"`:
   * `"same-site"` is a sibling subdomain — another site's code as far as cookies can tell.
   */
  readonly secFetchSite?:
    | SecFetchSite
    | readonly SecFetchSite[]
    | ((value: string, request: Request) => boolean);
  /** Request header carrying the token (for `fetch`). Default `"x-csrf-token"`. */
  readonly header?: string;
  /** Form field carrying the token (for `<form method="post">`). Default `"_csrf"`. */
  readonly field?: string;
  /**
   * Reads the form field from the body; default: `request.clone().formData()` for form bodies.
   * Adapters pass their framework's cached body parser (the Hono middleware does).
   */
  readonly readField?: (request: Request, field: string) => Promise<unknown>;
}

/** Why a request was refused: a foreign origin, no token, or a token that is not this session's. */
export type CsrfFailure = "cross_origin" | "missing_token" | "bad_token";
export type CsrfResult = { readonly ok: true } | { readonly ok: false; readonly reason: CsrfFailure };

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const FORM = /^(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;
const OK: CsrfResult = Object.freeze({ ok: true });
const fail = (reason: CsrfFailure): CsrfResult => Object.freeze({ ok: false, reason });

/**
 * Whether the browser says an unsafe request comes from an allowed origin: `Origin` decides when it
 * names one, else `Sec-Fetch-Site`. `Origin: null` (a form post under `Referrer-Policy: no-referrer`,
 * hono's secureHeaders default; a sandboxed frame) defers to `Sec-Fetch-Site`, refused without it.
 * A request with neither header (curl, a server, an old browser) passes this check and still needs
 * its token.
 */
export function originAllowed(request: Request, options: CsrfOptions = {}): boolean {
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== "null") {
    if (origin === new URL(request.url).origin) return true;
    const allowed = options.origin;
    if (typeof allowed === "function") return allowed(origin, request);
    if (allowed === undefined) return false;
    return (typeof allowed === "string" ? [allowed] : allowed).includes(origin);
  }
  const site = request.headers.get("sec-fetch-site");
  // No header at all: not a browser (or a very old one); `Origin: null` with no Sec-Fetch-Site: refused.
  if (site === null) return origin === null;
  const accepted = options.secFetchSite ?? "same-origin";
  if (typeof accepted === "function") return accepted(site, request);
  return (typeof accepted === "string" ? [accepted] : accepted).includes(site as SecFetchSite);
}

/**
 * Checks an unsafe request (anything but GET, HEAD and OPTIONS) for CSRF: the origin, then the
 * session's token from the `x-csrf-token` header or the `_csrf` form field, compared in constant
 * time. Safe methods pass: they must not change anything. Put a token in each form with
 * `await sessions.csrfToken(session)`.
 */
export async function checkCsrf<Data extends object, Flash extends object>(
  sessions: Pick<Sessions<Data, Flash>, "verifyCsrfToken">,
  session: Session<Data, Flash>,
  request: Request,
  options: CsrfOptions = {},
): Promise<CsrfResult> {
  if (SAFE.has(request.method.toUpperCase())) return OK;
  if (!originAllowed(request, options)) return fail("cross_origin");
  const field = options.field ?? "_csrf";
  let token: unknown = request.headers.get(options.header ?? "x-csrf-token");
  if (token === null && FORM.test(request.headers.get("content-type") ?? "")) {
    try {
      token = await (options.readField ?? readFormField)(request, field);
    } catch {
      token = undefined; // an unreadable body carries no token
    }
  }
  if (typeof token !== "string" || token === "") return fail("missing_token");
  return (await sessions.verifyCsrfToken(session, token)) ? OK : fail("bad_token");
}

async function readFormField(request: Request, field: string): Promise<unknown> {
  return (await request.clone().formData()).get(field) ?? undefined;
}
