import { ConfigError } from "../errors.ts";

export interface CookieOptions {
  /** Cookie name without prefix. Default `"session"`. */
  readonly name?: string;
  /**
   * Name prefix. Default: `"__Host-"` when the attributes allow it (Secure, Path=/, no Domain),
   * else `"__Secure-"` when Secure, else none. Chromium honours both on http://localhost.
   * `"__Host-Http-"` and `"__Http-"` (draft-ietf-httpbis-layered-cookies) add HttpOnly to what
   * `__Host-` and `__Secure-` ask: browsers that know them refuse such a cookie from script or
   * without HttpOnly; older browsers treat `__Host-Http-` as `__Host-`. Changing the prefix renames
   * the cookie: list the old name in `previousNames` so nobody is logged out.
   */
  readonly prefix?: CookiePrefix;
  /**
   * Full names (prefix included) this session cookie had before, newest first, e.g.
   * `["__Host-session"]` after moving to `prefix: "__Host-Http-"`. A request without the current
   * cookie is read from the first previous one it carries (with that name's key: a cookie's name is
   * bound into its seal), and the response writes the current name and clears the old one, so a
   * rename logs nobody out. Old cookies are cleared with the current Path and Domain. At most 4.
   */
  readonly previousNames?: readonly string[];
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

/** Cookie name prefixes, strongest first. */
export type CookiePrefix = "__Host-Http-" | "__Host-" | "__Http-" | "__Secure-" | "";
/** Longest first, so `__Host-Http-` is not taken for `__Host-`. */
const PREFIXES = ["__Host-Http-", "__Host-", "__Http-", "__Secure-"] as const;

export interface ResolvedCookie {
  /** Full name, prefix included. */
  readonly name: string;
  /** Full names of earlier cookies read when the current one is absent (`previousNames`). */
  readonly previousNames: readonly string[];
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
  if (prefix !== undefined && prefix !== "" && !(PREFIXES as readonly string[]).includes(prefix)) {
    throw new ConfigError(
      `\`cookie.prefix\` must be one of ${PREFIXES.map((known) => `"${known}"`).join(", ")} or "", not "${String(prefix)}"`,
    );
  }
  const named = PREFIXES.find((known) => name.startsWith(known));
  if (named !== undefined) {
    if (prefix !== undefined && prefix !== named) {
      throw new ConfigError(`\`cookie.name\` starts with ${named} but \`cookie.prefix\` is "${prefix}"`);
    }
    prefix = named;
    name = name.slice(named.length);
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
  const httpOnly = options.httpOnly ?? true;
  checkPrefix(prefix, { secure, httpOnly, path, domain });
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
  const fullName = prefix + name;
  return {
    name: fullName,
    previousNames: previousNamesOf(options.previousNames, fullName),
    path,
    domain,
    secure,
    httpOnly,
    sameSite,
    partitioned,
    priority: options.priority,
    maxChunks,
    maxBytes,
    warnAt,
  };
}

/**
 * What each prefix asks of the cookie's attributes (RFC 6265bis; draft-ietf-httpbis-layered-cookies
 * for the two `Http` prefixes). A browser drops a prefixed cookie that breaks them, silently: so
 * refuse it at start-up, naming what to change.
 */
function checkPrefix(
  prefix: CookiePrefix,
  cookie: { secure: boolean; httpOnly: boolean; path: string; domain: string | undefined },
): void {
  if (prefix === "") return;
  const needs: string[] = [];
  if (!cookie.secure) needs.push("`cookie.secure: true`");
  if (prefix.endsWith("Http-") && !cookie.httpOnly) needs.push("`cookie.httpOnly: true`");
  if (prefix.startsWith("__Host-")) {
    if (cookie.path !== "/") needs.push('`cookie.path: "/"`');
    if (cookie.domain !== undefined) needs.push("no `cookie.domain`");
  }
  if (needs.length > 0) {
    throw new ConfigError(
      `the ${prefix} prefix needs ${needs.join(", ")}; browsers drop a ${prefix} cookie without them`,
    );
  }
}

function previousNamesOf(option: unknown, current: string): readonly string[] {
  if (option === undefined) return [];
  if (!Array.isArray(option) || option.length > 4) {
    throw new ConfigError("`cookie.previousNames` must be a list of at most 4 cookie names");
  }
  for (const old of option) {
    if (typeof old !== "string" || !TOKEN_CHARS.test(old) || /\.\d+$/.test(old)) {
      throw new ConfigError(
        '`cookie.previousNames` must hold full cookie names (prefix included, e.g. "__Host-session"), not ending in .<digits>',
      );
    }
    if (old === current) throw new ConfigError(`\`cookie.previousNames\` lists the current name "${old}"`);
  }
  if (new Set(option).size !== option.length) {
    throw new ConfigError("`cookie.previousNames` lists a name twice");
  }
  return option as string[];
}
