/**
 * Caching rules for responses that carry a session. A shared cache (a CDN, a proxy) that stores a
 * response with `Set-Cookie` hands one user's session to everyone who asks for that URL, so:
 *
 * - a response that *sets or clears* a session cookie is always private: an app's storable
 *   `Cache-Control` is replaced, and CDN-only directives (which CDNs follow instead of
 *   `Cache-Control`) are removed — with a warning, never an error, since throwing from `commit`
 *   would turn the response into a 500;
 * - a response that only *depends* on a session (the request carried one) gets the configured
 *   value unless the app set its own.
 */
import { ConfigError } from "../errors.ts";

/** Headers some CDNs obey instead of `Cache-Control` (Cloudflare, Vercel, Fastly/Akamai, RFC 9213). */
export const CDN_CACHE_HEADERS = [
  "cdn-cache-control",
  "cloudflare-cdn-cache-control",
  "vercel-cdn-cache-control",
  "surrogate-control",
] as const;

/** Every header the rules may change: adapters copy these into scratch headers before a commit. */
export const CACHE_HEADERS: readonly string[] = ["cache-control", ...CDN_CACHE_HEADERS];

const DEFAULT = "private, no-store";

/**
 * True when no shared cache may store the response: a bare `private` or `no-store` directive.
 * `private="set-cookie"` does not count: it lets a shared cache keep the body without that header.
 */
export function isPrivate(value: string): boolean {
  return value.split(",").some((part) => {
    const directive = part.trim().toLowerCase();
    return directive === "private" || directive === "no-store";
  });
}

export interface CachePolicy {
  /** The response sets or clears a session cookie. */
  readonly sets: (headers: Headers) => void;
  /** The response depends on the request's session but sets nothing. */
  readonly depends: (headers: Headers) => void;
}

/** Checks the `cacheControl` option once and returns the rules for one manager. */
export function cachePolicy(option: string | false | undefined): CachePolicy {
  const configured = option ?? DEFAULT;
  if (configured !== false && (typeof configured !== "string" || !isPrivate(configured))) {
    throw new ConfigError(
      '`cacheControl` must be false or a value with `private` or `no-store` (default "private, no-store"): ' +
        "responses that carry a session must never be stored by a shared cache",
    );
  }
  // `false` leaves responses that merely depend on a session alone; ones that set a cookie are always private.
  const forced = configured === false ? DEFAULT : configured;
  let warned = false;
  const warn = (what: string) => {
    if (warned) return;
    warned = true;
    console.warn(
      `sealed-session: a response that sets the session cookie ${what}; it is now "${forced}" so no shared ` +
        "cache stores one user's session for others (warned once)",
    );
  };
  return {
    sets(headers) {
      const current = headers.get("cache-control");
      if (current === null) headers.set("cache-control", forced);
      else if (!isPrivate(current)) {
        headers.set("cache-control", forced);
        warn(`had Cache-Control "${current}"`);
      }
      for (const name of CDN_CACHE_HEADERS) {
        if (!headers.has(name)) continue;
        headers.delete(name);
        warn(`had ${name} (removed)`);
      }
    },
    depends(headers) {
      if (configured !== false && !headers.has("cache-control")) headers.set("cache-control", configured);
    },
  };
}
