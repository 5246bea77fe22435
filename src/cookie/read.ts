import { parseCookie } from "cookie";
import { COOKIE_BYTES, type ResolvedCookie } from "./options.ts";

export interface ReadCookie {
  /** The joined token, when one was found and is well-formed enough to try. */
  readonly token: string | undefined;
  /** Every cookie of this session's family the request carried (base name and chunks): cleared when stale. */
  readonly present: readonly string[];
  /** Set when the cookies are unusable before any crypto. */
  readonly problem: "malformed" | "too_large" | undefined;
}

const CHUNK_HEAD = /^([2-9]):/;

/**
 * Reads a session's cookie, joining chunks `<name>.0 … <name>.<n-1>`. The first chunk starts
 * with `<n>:`, so a stale higher chunk left behind by an older, larger session is never appended.
 */
export function readSessionCookie(cookieHeader: string | null, cookie: ResolvedCookie): ReadCookie {
  if (!cookieHeader) return { token: undefined, present: [], problem: undefined };
  // Values are taken verbatim: our tokens never need percent-decoding, so a percent sign is garbage.
  const jar = parseCookie(cookieHeader, { decode: (value) => value });
  const base = cookie.name;
  const present = Object.keys(jar).filter(
    (name) => name === base || (name.startsWith(`${base}.`) && /^\d$/.test(name.slice(base.length + 1))),
  );
  if (present.length === 0) return { token: undefined, present, problem: undefined };
  const limit = cookie.maxChunks * COOKIE_BYTES;
  let total = 0;
  for (const name of present) {
    const bytes = name.length + (jar[name] ?? "").length;
    // No browser stores a cookie over 4096 bytes of name + value: this one was made by hand.
    if (bytes > COOKIE_BYTES) return { token: undefined, present, problem: "too_large" };
    total += bytes;
  }
  if (total > limit) return { token: undefined, present, problem: "too_large" };

  const first = jar[`${base}.0`];
  if (first !== undefined) {
    const head = CHUNK_HEAD.exec(first);
    if (!head) return { token: undefined, present, problem: "malformed" };
    const count = Number(head[1]);
    if (count > cookie.maxChunks) return { token: undefined, present, problem: "too_large" };
    let token = first.slice(head[0].length);
    for (let i = 1; i < count; i++) {
      const part = jar[`${base}.${i}`];
      if (!part) return { token: undefined, present, problem: "malformed" };
      token += part;
    }
    return { token, present, problem: undefined };
  }
  const token = jar[base];
  if (!token) return { token: undefined, present, problem: "malformed" };
  return { token, present, problem: undefined };
}
