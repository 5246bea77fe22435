import { stringifySetCookie } from "cookie";
import { CookieTooLargeError } from "../errors.ts";
import { COOKIE_BYTES, type ResolvedCookie } from "./options.ts";

const verbatim = (value: string) => value;

/** Room chunk 0 keeps for its `<n>:` head, even percent-encoded (`<n>%3A`). */
const HEAD_ROOM = 4;

/** Cookies a token needs when each carries `perChunk` characters and chunk 0 its head. */
export const chunkCount = (tokenLength: number, perChunk: number): number =>
  Math.ceil((tokenLength + HEAD_ROOM) / perChunk);

function attributes(cookie: ResolvedCookie) {
  return {
    path: cookie.path,
    domain: cookie.domain,
    secure: cookie.secure,
    httpOnly: cookie.httpOnly,
    sameSite: cookie.sameSite,
    partitioned: cookie.partitioned,
    priority: cookie.priority,
  };
}

/**
 * Splits a token into the cookies that carry it: `[name, value]` pairs. Throws `CookieTooLargeError`
 * when they would take more than `limit` bytes (names and values together; default `cookie.maxBytes`)
 * or more than `cookie.maxChunks` cookies.
 */
export function splitToken(
  token: string,
  cookie: ResolvedCookie,
  limit = cookie.maxBytes,
): [string, string][] {
  const base = cookie.name;
  if (base.length + token.length <= COOKIE_BYTES) {
    if (base.length + token.length > limit) throw new CookieTooLargeError(base.length + token.length, limit);
    return [[base, token]];
  }
  const perChunk = COOKIE_BYTES - (base.length + 2); // "<name>.<digit>"
  const count = chunkCount(token.length, perChunk);
  const bytes = token.length + 2 + count * (base.length + 2);
  if (bytes > limit || count > cookie.maxChunks) throw new CookieTooLargeError(bytes, limit);
  const chunks: [string, string][] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const head = i === 0 ? `${count}:` : "";
    // Chunk 0 leaves room for its head to be percent-encoded ("2%3A"), as Next.js does to every value.
    const take = perChunk - (i === 0 ? HEAD_ROOM : 0);
    chunks.push([`${base}.${i}`, head + token.slice(offset, offset + take)]);
    offset += take;
  }
  return chunks;
}

/** The longest token the cookie settings can *read* (`maxChunks` cookies): more is `too_large`. */
export function maxTokenBytes(cookie: ResolvedCookie): number {
  if (cookie.maxChunks === 1) return COOKIE_BYTES - cookie.name.length;
  // What earlier releases could write (heads of two characters): such sessions must keep loading.
  return cookie.maxChunks * (COOKIE_BYTES - (cookie.name.length + 2)) - 2;
}

/** `Set-Cookie` values that store `token` and clear every stale cookie of the family the request carried. */
export function setCookieHeaders(
  token: string,
  cookie: ResolvedCookie,
  maxAge: number | undefined,
  present: readonly string[],
  limit = cookie.maxBytes,
): string[] {
  const chunks = splitToken(token, cookie, limit);
  const written = new Set(chunks.map(([name]) => name));
  const headers = chunks.map(([name, value]) =>
    stringifySetCookie({ name, value, maxAge, ...attributes(cookie) }, { encode: verbatim }),
  );
  for (const name of present) if (!written.has(name)) headers.push(clearCookieHeader(name, cookie));
  return headers;
}

/** Clears a cookie with the same Path/Domain/prefix rules it was set with, or the browser keeps it. */
export function clearCookieHeader(name: string, cookie: ResolvedCookie): string {
  return stringifySetCookie(
    {
      name,
      value: "",
      maxAge: 0,
      expires: new Date(0),
      ...attributes(cookie),
      partitioned: cookie.partitioned,
    },
    { encode: verbatim },
  );
}
