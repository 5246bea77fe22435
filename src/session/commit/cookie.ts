/**
 * Commit step 4: put the sealed token into `Set-Cookie` headers (chunked when large, stale chunks
 * cleared), with a Max-Age that ends a second before the seal does; or clear the session's cookies.
 * Either way the response becomes private (see cache-control.ts).
 */
import { COOKIE_BYTES } from "../../cookie/options.ts";
import { clearCookieHeader, setCookieHeaders, splitToken } from "../../cookie/write.ts";
import { MAX_COOKIE_AGE, type ManagerState } from "../config.ts";
import { FLAG_BROWSER_SESSION } from "../envelope.ts";
import type { Session } from "../session.ts";

/**
 * Appends the cookies that store `token`. Throws `CookieTooLargeError` (before appending) when it
 * does not fit: `cookie.maxBytes`, or the size the session arrived in, whichever is larger — an
 * existing session never fails for keeping its size. A write that only re-seals or refreshes an
 * unchanged session may take what the reader accepts (`maxChunks` cookies), since the browser
 * already holds it: a smaller default cap must not break anyone's session on upgrade.
 */
export function setSessionCookies(
  state: ManagerState,
  session: Session<object, object>,
  token: string,
  changed: boolean,
  now: number,
  headers: Headers,
): void {
  const { cookie } = state;
  let maxAge: number | undefined;
  if ((session._envelope.flags & FLAG_BROWSER_SESSION) === 0) {
    const expiresAt = session.expiresAt;
    const idleTimeout = state.context.idleTimeout;
    const deadline = Math.min(expiresAt, idleTimeout === undefined ? expiresAt : now + idleTimeout * 1000);
    // Die a second before the seal does, so the browser never sends a cookie we would reject.
    maxAge = Math.min(MAX_COOKIE_AGE, Math.max(1, Math.floor((deadline - now) / 1000) - 1));
  }
  const limit = changed
    ? Math.max(cookie.maxBytes, session._arrivedBytes)
    : Math.max(cookie.maxBytes, cookie.maxChunks * COOKIE_BYTES);
  const values = setCookieHeaders(token, cookie, maxAge, session._present, limit);
  if (state.onLargeCookie && token.length + cookie.name.length >= cookie.warnAt) {
    // Count what the browser stores: every chunk's name and value.
    const bytes = splitToken(token, cookie).reduce(
      (sum, [name, value]) => sum + name.length + value.length,
      0,
    );
    if (bytes >= cookie.warnAt) {
      state.onLargeCookie({ bytes, limit: cookie.maxBytes, cookie: cookie.name });
    }
  }
  for (const value of values) headers.append("set-cookie", value);
  state.caching.sets(headers);
}

/** Clears each named cookie with the attributes it was set with. */
export function clearSessionCookies(state: ManagerState, names: Iterable<string>, headers: Headers): void {
  for (const name of names) headers.append("set-cookie", clearCookieHeader(name, state.cookie));
  state.caching.sets(headers);
}
