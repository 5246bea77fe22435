/**
 * Moving the core's cookies in and out of Next.js: a `Cookie` header from Next's cookie stores, the
 * core's `Set-Cookie` lines into `cookies().set`, and into the `Cookie` header the proxy forwards.
 * Nothing here splits, joins or names chunks: the core's `Set-Cookie` output says which cookies to
 * write and which to clear.
 */
import { parseSetCookie } from "cookie";

/** What Next's cookie stores offer for reading: `await cookies()`, and `request.cookies` in the proxy. */
export interface CookieSource {
  getAll(): { name: string; value: string }[];
}

/** One cookie as `cookies().set({ ... })` takes it (Next's `ResponseCookie`). */
export interface CookieToSet {
  name: string;
  value: string;
  maxAge?: number;
  expires?: Date;
  path?: string;
  domain?: string;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: "strict" | "lax" | "none";
  priority?: "low" | "medium" | "high";
  partitioned?: boolean;
}

/** What `await cookies()` offers in a Server Action or Route Handler (in a Server Component `set` throws). */
export interface CookieStore extends CookieSource {
  set(cookie: CookieToSet): unknown;
}

const verbatim = (value: string) => value;

/**
 * A `Cookie` header for `load`, from a store's (already percent-decoded) cookies. A value holding `;`
 * is left out: decoded from `%3B`, it would add pairs of its own — say, a session cookie planted
 * through another cookie's value. No token of ours contains one.
 */
export function cookieHeader(source: CookieSource): string {
  return source
    .getAll()
    .filter(({ value }) => !value.includes(";"))
    .map(({ name, value }) => `${name}=${value}`)
    .join("; ");
}

/** The core's `Set-Cookie` line as `cookies().set` takes it: same value, same attributes. */
export function toCookieToSet(line: string): CookieToSet {
  const parsed = parseSetCookie(line, { decode: verbatim });
  const cookie: CookieToSet = { name: parsed.name, value: parsed.value ?? "" };
  if (parsed.maxAge !== undefined) cookie.maxAge = parsed.maxAge;
  if (parsed.expires !== undefined) cookie.expires = parsed.expires;
  if (parsed.path !== undefined) cookie.path = parsed.path;
  if (parsed.domain !== undefined) cookie.domain = parsed.domain;
  if (parsed.secure) cookie.secure = true;
  if (parsed.httpOnly) cookie.httpOnly = true;
  if (parsed.partitioned) cookie.partitioned = true;
  if (parsed.priority !== undefined) cookie.priority = parsed.priority;
  if (parsed.sameSite !== undefined && parsed.sameSite !== false) {
    cookie.sameSite = parsed.sameSite === true ? "strict" : parsed.sameSite;
  }
  return cookie;
}

/**
 * The request's `Cookie` header as the browser will send it once it has applied `setCookies`: each
 * cookie they name is dropped, and the ones they set (not clear) are added. Other cookies keep their
 * exact bytes.
 */
export function forwardedCookieHeader(header: string | null, setCookies: readonly string[]): string {
  const written = new Map<string, string | undefined>();
  for (const line of setCookies) {
    const { name, value, maxAge } = parseSetCookie(line, { decode: verbatim });
    written.set(name, value === undefined || value === "" || maxAge === 0 ? undefined : value);
  }
  const pairs: string[] = [];
  for (const part of (header ?? "").split(";")) {
    const pair = part.trim();
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = (eq === -1 ? pair : pair.slice(0, eq)).trim();
    if (!written.has(name)) pairs.push(pair);
  }
  for (const [name, value] of written) if (value !== undefined) pairs.push(`${name}=${value}`);
  return pairs.join("; ");
}
