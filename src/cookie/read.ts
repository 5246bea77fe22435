import { parseCookie } from "cookie";
import { COOKIE_BYTES, type ResolvedCookie } from "./options.ts";

export interface ReadCookie {
  /** The joined token, when one was found and is well-formed enough to try. */
  readonly token: string | undefined;
  /** Every cookie of this session's family the request carried (base name and chunks): cleared when stale. */
  readonly present: readonly string[];
  /** Set when the cookies are unusable before any crypto. */
  readonly problem: "malformed" | "too_large" | undefined;
  /** Bytes of name + value of the `present` cookies: what the browser holds for this session. */
  readonly bytes: number;
}

/** `<n>:`, or `<n>%3A` as frameworks that percent-encode every cookie value (Next.js) write it. */
const CHUNK_HEAD = /^([2-9])(?::|%3[aA])/;

/**
 * Reads a session's cookie, joining chunks `<name>.0 … <name>.<n-1>`. The first chunk starts
 * with `<n>:`, so a stale higher chunk left behind by an older, larger session is never appended.
 */
export function readSessionCookie(cookieHeader: string | null, cookie: ResolvedCookie): ReadCookie {
  if (!cookieHeader) return NONE;
  // Values are taken verbatim: our tokens never need percent-decoding, so a percent sign is garbage.
  const jar = parseCookie(cookieHeader, { decode: (value) => value });
  const base = cookie.name;
  const present = Object.keys(jar).filter(
    (name) => name === base || (name.startsWith(`${base}.`) && /^\d$/.test(name.slice(base.length + 1))),
  );
  if (present.length === 0) return NONE;
  const limit = cookie.maxChunks * COOKIE_BYTES;
  let total = 0;
  for (const name of present) {
    const bytes = name.length + (jar[name] ?? "").length;
    // No browser stores a cookie over 4096 bytes of name + value: this one was made by hand.
    if (bytes > COOKIE_BYTES) return { token: undefined, present, problem: "too_large", bytes: 0 };
    total += bytes;
  }
  const refuse = (problem: "malformed" | "too_large") => ({
    token: undefined,
    present,
    problem,
    bytes: total,
  });
  if (total > limit) return refuse("too_large");

  const first = jar[`${base}.0`];
  if (first !== undefined) {
    const head = CHUNK_HEAD.exec(first);
    if (!head) return refuse("malformed");
    const count = Number(head[1]);
    if (count > cookie.maxChunks) return refuse("too_large");
    let token = first.slice(head[0].length);
    for (let i = 1; i < count; i++) {
      const part = jar[`${base}.${i}`];
      if (!part) return refuse("malformed");
      token += part;
    }
    return { token, present, problem: undefined, bytes: total };
  }
  const token = jar[base];
  if (!token) return refuse("malformed");
  return { token, present, problem: undefined, bytes: total };
}

const NONE: ReadCookie = Object.freeze({ token: undefined, present: [], problem: undefined, bytes: 0 });
