import { ConfigError } from "../errors.ts";

export interface CookieOptions {
  /** Cookie name without prefix. Default `"session"`. */
  readonly name?: string;
  /**
   * Name prefix. Default: `"__Host-"` when the attributes allow it (Secure, Path=/, no Domain),
   * else `"__Secure-"` when Secure, else none. Chromium honours both on http://localhost.
   */
  readonly prefix?: "__Host-" | "__Secure-" | "";
  /** Default `"/"`. */
  readonly path?: string;
  /** Default none (host-only cookie). */
  readonly domain?: string;
  /** Default `true`. */
  readonly secure?: boolean;
  /** Default `true`. */
  readonly httpOnly?: boolean;
  /** Default `"lax"`. */
  readonly sameSite?: "lax" | "strict" | "none";
  /** CHIPS partitioned cookie. Needs `secure`. */
  readonly partitioned?: boolean;
  readonly priority?: "low" | "medium" | "high";
  /**
   * Most cookies one session may span (each at most 4096 bytes of name + value) when *reading*.
   * Default 4, at most 9. What is *written* is capped by `maxBytes`.
   */
  readonly maxChunks?: number;
  /**
   * Most bytes (names + values, all chunks together) a session's cookies may take when written.
   * Default 4096: one cookie, which every browser, curl's cookie jar, nginx and Apache accept with
   * room for the site's other cookies. Past it, `commit` throws `CookieTooLargeError`. Raise it (up
   * to `maxChunks` × 4096) to let sessions span several cookies: see "Cookie budgets" in the README
   * for what common servers and proxies refuse — or keep large data in a server-side store.
   */
  readonly maxBytes?: number;
  /** Call `onLargeCookie` once a session's cookies reach this many bytes. Default 3584. */
  readonly warnAt?: number;
}

export interface ResolvedCookie {
  /** Full name, prefix included. */
  readonly name: string;
  readonly path: string;
  readonly domain: string | undefined;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: "lax" | "strict" | "none";
  readonly partitioned: boolean;
  readonly priority: "low" | "medium" | "high" | undefined;
  readonly maxChunks: number;
  readonly maxBytes: number;
  readonly warnAt: number;
}

/** Chromium and Firefox cap name + value of one cookie at 4096 bytes. */
export const COOKIE_BYTES = 4096;
const TOKEN_CHARS = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function resolveCookie(options: CookieOptions = {}): ResolvedCookie {
  let name = options.name ?? "session";
  let prefix = options.prefix;
  for (const known of ["__Host-", "__Secure-"] as const) {
    if (name.startsWith(known)) {
      if (prefix !== undefined && prefix !== known) {
        throw new ConfigError(`\`cookie.name\` starts with ${known} but \`cookie.prefix\` is "${prefix}"`);
      }
      prefix = known;
      name = name.slice(known.length);
    }
  }
  if (!TOKEN_CHARS.test(name)) {
    throw new ConfigError(
      `\`cookie.name\` "${name}" must be a non-empty HTTP token (letters, digits, - _ . …)`,
    );
  }
  if (/\.\d+$/.test(name))
    throw new ConfigError("`cookie.name` must not end in .<digits>: chunks are named that way");
  const path = options.path ?? "/";
  if (!path.startsWith("/") || /[;\s]/.test(path))
    throw new ConfigError("`cookie.path` must start with / and hold no ; or spaces");
  const domain = options.domain;
  if (domain !== undefined && (domain === "" || /[;\s/]/.test(domain))) {
    throw new ConfigError("`cookie.domain` must be a host name such as example.com");
  }
  const secure = options.secure ?? true;
  const sameSite = options.sameSite ?? "lax";
  if (!["lax", "strict", "none"].includes(sameSite)) {
    throw new ConfigError('`cookie.sameSite` must be "lax", "strict" or "none"');
  }
  if (sameSite === "none" && !secure)
    throw new ConfigError('`cookie.sameSite: "none"` needs `cookie.secure: true`');
  const partitioned = options.partitioned ?? false;
  if (partitioned && !secure) throw new ConfigError("`cookie.partitioned` needs `cookie.secure: true`");
  if (prefix === undefined)
    prefix = secure && path === "/" && domain === undefined ? "__Host-" : secure ? "__Secure-" : "";
  if (prefix === "__Host-" && (!secure || path !== "/" || domain !== undefined)) {
    throw new ConfigError(
      'the __Host- prefix needs `cookie.secure: true`, `cookie.path: "/"` and no `cookie.domain`',
    );
  }
  if (prefix === "__Secure-" && !secure)
    throw new ConfigError("the __Secure- prefix needs `cookie.secure: true`");
  const maxChunks = options.maxChunks ?? 4;
  if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > 9) {
    throw new ConfigError("`cookie.maxChunks` must be a whole number from 1 to 9");
  }
  const maxBytes = options.maxBytes ?? COOKIE_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1024 || maxBytes > maxChunks * COOKIE_BYTES) {
    throw new ConfigError(
      `\`cookie.maxBytes\` must be a whole number of bytes from 1024 to \`cookie.maxChunks\` × 4096 (${maxChunks * COOKIE_BYTES}); ` +
        "raise `cookie.maxChunks` too for sessions larger than that",
    );
  }
  const warnAt = options.warnAt ?? 3584;
  if (!(warnAt > 0)) throw new ConfigError("`cookie.warnAt` must be a positive number of bytes");
  return {
    name: prefix + name,
    path,
    domain,
    secure,
    httpOnly: options.httpOnly ?? true,
    sameSite,
    partitioned,
    priority: options.priority,
    maxChunks,
    maxBytes,
    warnAt,
  };
}
