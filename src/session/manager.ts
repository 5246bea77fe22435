import { sealIron } from "../codec/iron.ts";
import { sealJwe } from "../codec/jwe.ts";
import { openToken } from "../codec/open.ts";
import { legacyDeadline } from "../codec/seal.ts";
import { FORMATS, type Format, type Opened } from "../codec/types.ts";
import { COOKIE_BYTES, type CookieOptions, type ResolvedCookie, resolveCookie } from "../cookie/options.ts";
import { readSessionCookie } from "../cookie/read.ts";
import { clearCookieHeader, maxTokenBytes, setCookieHeaders, splitToken } from "../cookie/write.ts";
import { ConfigError, type ReasonCode, UnsealError } from "../errors.ts";
import { IRON_SALT_BYTES, Keyring, parseSecrets, type SecretInput } from "../keyring.ts";
import { utf8 } from "../lib/bytes.ts";
import { toJson } from "../lib/json.ts";
import {
  failureKind,
  type ResolvedRevocation,
  RevocationWriteError,
  resolveRevocation,
  type WaitUntil,
  withTimeout,
} from "../revocation/policy.ts";
import type { RevocationOptions, RevocationStore } from "../revocation/types.ts";
import type { SessionTokens } from "../token/session-tokens.ts";
import type { ClaimValue, IssuedToken, PublicJwks, TokenVerification } from "../token/types.ts";
import { cachePolicy } from "./cache-control.ts";
import { decodeEnvelope, type Envelope, encodeEnvelope, FLAG_BROWSER_SESSION } from "./envelope.ts";
import { Session, type SessionContext } from "./session.ts";
import { TokenCache } from "./token-cache.ts";

const DAY = 86_400;
/** Browsers cap cookie lifetimes at 400 days. */
const MAX_COOKIE_AGE = 400 * DAY;

export interface SessionsOptions {
  /**
   * Secrets, newest first, each at least 32 characters: a list, one string, or a comma-separated
   * string (as an environment variable holds them). The first seals; all unseal.
   */
  readonly secrets: SecretInput | readonly SecretInput[];
  /** Format to write, or a list: the first is written, all are read. Default `"jwe"`. */
  readonly format?: Format | readonly Format[];
  readonly cookie?: CookieOptions;
  /** Absolute lifetime in seconds. Default 14 days, at most 400 days. */
  readonly maxAge?: number;
  /** Seconds without a request after which the session ends (rolling). Default: none. */
  readonly idleTimeout?: number;
  /** Re-seal an unchanged session only when its last refresh is this many seconds old. Default `idleTimeout / 10`. */
  readonly refreshAfter?: number;
  /** `false` makes browser-session cookies (no Max-Age) by default. Default `true`. */
  readonly persistent?: boolean;
  /** Seconds of clock skew accepted on expiry. Default 5, at most 60. */
  readonly clockTolerance?: number;
  /**
   * Optional store that makes logout real: a store, or `{ store, timeout, onStoreError, checkAnonymous }`
   * (see docs/revocation.md).
   */
  readonly revocation?: RevocationStore | RevocationOptions;
  /** Called for every rejected cookie, with its reason. Never receives the token or the secrets. */
  readonly onInvalid?: (event: { reason: ReasonCode; cookie: string }) => void;
  /** Called when a session's cookies reach `cookie.warnAt` bytes. */
  readonly onLargeCookie?: (event: { bytes: number; limit: number; cookie: string }) => void;
  /**
   * `Cache-Control` for responses that set or depend on a session. Default `"private, no-store"`; it
   * must contain `private` or `no-store`. A response that sets a session cookie is always made private
   * (an app's storable value is replaced and CDN-Cache-Control removed, with a warning); `false` only
   * leaves responses that merely read a session alone.
   */
  readonly cacheControl?: string | false;
  /** Appended to iron tokens, e.g. `"~2"` so iron-session v8 reads them. */
  readonly ironSuffix?: string;
  /**
   * Load plain iron values (iron-session's cookies) as existing sessions, for migrating from
   * iron-session. Needs `"iron"` in `format`. Off by default: with it, any iron token sealed under
   * these secrets (e.g. by `seal(…, { format: "iron" })` elsewhere in your app) would be accepted too.
   */
  readonly adoptIronSessions?: boolean;
  /**
   * Keep reading `iron` session cookies sealed by sealed-session 0.1, which used the raw secret and so
   * were not bound to the cookie name: `true` (the default in 0.x; `false` from 1.0), `false`, or a
   * `Date` after which they are refused (`bad_seal`). Each one loads as before and is re-sealed, bound,
   * on that response — nobody is logged out. While it is on, do not `seal()` envelope-shaped values
   * with `format: "iron"` and no `purpose` under the same secrets.
   */
  readonly acceptLegacyIron?: boolean | Date;
  /** Clock in ms since the epoch, for tests. */
  readonly now?: () => number;
  /**
   * Bearer tokens issued from sessions, for APIs and other services: `sessionTokens({ ... })`
   * (docs/tokens.md). `load` never reads `Authorization`: bearer requests go through `verifyToken`.
   */
  readonly tokens?: SessionTokens;
}

export interface Sessions<Data extends object, Flash extends object> {
  /** The full cookie name, prefix included. */
  readonly cookieName: string;
  /** Reads the request's session. Never throws: a bad cookie gives a new session with `invalidReason`. */
  load(request: Request | Headers): Promise<Session<Data, Flash>>;
  /**
   * Appends the `Set-Cookie` headers the session needs (none when nothing changed) and
   * `Cache-Control`. Throws `CookieTooLargeError` when the session does not fit.
   */
  commit(session: Session<Data, Flash>, headers: Headers, options?: CommitOptions): Promise<CommitResult>;
  /**
   * "Log out everywhere": revokes every session of `userId` issued up to now, on every device. Sessions
   * this manager issues afterwards (a login in the same request included) are not affected. Needs a
   * `revocation` store; throws `RevocationWriteError` when the store cannot record it.
   */
  revokeUser(userId: string, options?: CommitOptions): Promise<void>;
  /** Bytes of cookie (names and values) the session would take if committed now. No crypto. */
  estimateSize(session: Session<Data, Flash>): number;
  /** Issues a bearer token for a logged-in session (`tokens` option). Throws `TypeError` when anonymous. */
  issueToken(
    session: Session<Data, Flash>,
    options?: { readonly claims?: Record<string, ClaimValue | undefined> },
  ): Promise<IssuedToken<Record<string, ClaimValue>>>;
  /** Verifies a request's `Authorization: Bearer` token (or a token). Never throws for a bad token. */
  verifyToken(
    input: Request | Headers | string | null | undefined,
  ): Promise<TokenVerification<Record<string, ClaimValue>>>;
  /** The public keys of signed tokens, for `/.well-known/jwks.json`. */
  jwks(): Promise<PublicJwks>;
}

export interface CommitOptions {
  /** `ctx.waitUntil` (bound) where the runtime has one: a failed revocation write is retried there. */
  readonly waitUntil?: WaitUntil;
}

export interface CommitResult {
  /**
   * Set when revoking an ended session id (logout, or login/regenerate replacing a user's id) failed.
   * The cookie was cleared or replaced all the same; `onStoreError` saw the failure too.
   */
  readonly revocationError: RevocationWriteError | undefined;
}

const COMMITTED: CommitResult = Object.freeze({ revocationError: undefined });

interface Resolved {
  readonly adoptIronSessions: boolean;
  /** Last ms at which unbound (0.1) iron session cookies are read. */
  readonly legacyIronUntil: number;
  /** The iron password binding of this cookie's tokens. */
  readonly ironInfo: string;
  readonly keyring: Keyring;
  readonly write: Format;
  readonly read: readonly Format[];
  readonly cookie: ResolvedCookie;
  readonly context: SessionContext;
  readonly refreshAfter: number;
  readonly toleranceMs: number;
  readonly jweInfo: string;
}

function seconds(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`\`${name}\` must be whole seconds from 1 to ${max}, not ${String(value)}`);
  }
  return value;
}

function resolve(options: SessionsOptions): Resolved {
  if (typeof options !== "object" || options === null)
    throw new ConfigError("createSessions(options) needs an options object");
  const keyring = new Keyring(parseSecrets(options.secrets));
  const formats =
    options.format === undefined
      ? ["jwe" as const]
      : typeof options.format === "string"
        ? [options.format]
        : options.format;
  if (
    formats.length === 0 ||
    formats.some((format) => !FORMATS.includes(format)) ||
    new Set(formats).size !== formats.length
  ) {
    throw new ConfigError(
      '`format` must be "jwe", "iron", or a list of them without repeats (the first is written)',
    );
  }
  const maxAge = seconds("maxAge", options.maxAge, 14 * DAY, MAX_COOKIE_AGE);
  // An idle timeout longer than the lifetime can never fire first: clamp, as documented.
  const idleTimeout =
    options.idleTimeout === undefined
      ? undefined
      : Math.min(seconds("idleTimeout", options.idleTimeout, 0, 10 * MAX_COOKIE_AGE), maxAge);
  let refreshAfter = 0;
  if (options.refreshAfter !== undefined) {
    if (idleTimeout === undefined)
      throw new ConfigError("`refreshAfter` only applies with `idleTimeout`; set both or neither");
    if (
      typeof options.refreshAfter !== "number" ||
      !(options.refreshAfter >= 0) ||
      options.refreshAfter >= idleTimeout
    ) {
      throw new ConfigError(
        `\`refreshAfter\` must be seconds from 0 to below \`idleTimeout\` (${idleTimeout})`,
      );
    }
    refreshAfter = options.refreshAfter;
  } else if (idleTimeout !== undefined) {
    refreshAfter = Math.max(1, Math.floor(idleTimeout / 10));
  }
  const tolerance = options.clockTolerance ?? 5;
  if (typeof tolerance !== "number" || !(tolerance >= 0 && tolerance <= 60)) {
    throw new ConfigError("`clockTolerance` must be seconds from 0 to 60");
  }
  const cookie = resolveCookie(options.cookie);
  if (options.ironSuffix !== undefined && !/^~\d{1,3}$/.test(options.ironSuffix)) {
    throw new ConfigError('`ironSuffix` must look like "~2" (what iron-session v8 expects)');
  }
  const now = options.now ?? Date.now;
  const adoptIronSessions = options.adoptIronSessions ?? false;
  if (adoptIronSessions && !formats.includes("iron")) {
    throw new ConfigError(
      '`adoptIronSessions` reads iron-session cookies: add "iron" to `format`, e.g. ["jwe", "iron"]',
    );
  }
  return {
    adoptIronSessions,
    legacyIronUntil: legacyDeadline(options.acceptLegacyIron ?? true, "acceptLegacyIron"),
    ironInfo: `sealed-session/v1 iron cookie:${cookie.name}`,
    keyring,
    write: formats[0]!,
    read: formats,
    cookie,
    context: { now, maxAge, idleTimeout, persistent: options.persistent ?? true },
    refreshAfter,
    toleranceMs: tolerance * 1000,
    jweInfo: `sealed-session/v1 cookie:${cookie.name}`,
  };
}

/**
 * Creates a session manager. Validates every option now, so a misconfiguration fails at start-up
 * with a message that says how to fix it, never on a user's request.
 */
export function createSessions<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
>(options: SessionsOptions): Sessions<Data, Flash> {
  const config = resolve(options);
  const { keyring, cookie } = config;
  const revocation = resolveRevocation(options.revocation);
  if (options.tokens !== undefined && typeof options.tokens?.create !== "function") {
    throw new ConfigError("`tokens` must come from sessionTokens({ issuer, audience, ... })");
  }
  // Created through the option itself, so an app without tokens bundles no token code.
  const bearer = options.tokens?.create(options.tokens.options, options);
  const tokensOf = () => {
    if (bearer === undefined)
      throw new ConfigError("bearer tokens need the `tokens` option of createSessions");
    return bearer;
  };
  // The newest user cutoff this manager wrote: ids issued later get a strictly later issuedAt.
  let lastCutoff = Number.NEGATIVE_INFINITY;
  const issueTime = () => Math.max(config.context.now(), lastCutoff + 1);
  const context: SessionContext = { ...config.context, issueTime };
  const tokens = new TokenCache();
  const caching = cachePolicy(options.cacheControl);
  const bound = [config.ironInfo];
  const boundOrRaw = [config.ironInfo, undefined];

  const fresh = (present: readonly string[], invalidReason?: ReasonCode) => {
    if (invalidReason !== undefined && options.onInvalid) {
      try {
        options.onInvalid({ reason: invalidReason, cookie: cookie.name });
      } catch (error) {
        console.error("sealed-session: onInvalid threw", error);
      }
    }
    return new Session<Data, Flash>(context, Session._fresh(context), {
      isNew: true,
      invalidReason,
      present,
      // An untouched new session is unchanged: commit must not write it.
      loadedJson: EMPTY_SNAPSHOT,
    });
  };

  async function load(request: Request | Headers): Promise<Session<Data, Flash>> {
    const headers = request instanceof Headers ? request : request.headers;
    const read = readSessionCookie(headers.get("cookie"), cookie);
    if (read.problem) return fresh(read.present, read.problem);
    if (read.token === undefined) return fresh(read.present);
    const now = context.now();
    let envelope: Envelope;
    let reseal: boolean;
    let verified: Opened | undefined;
    try {
      if (read.token.length > maxTokenBytes(cookie)) throw new UnsealError("too_large");
      let opened = tokens.get(read.token);
      if (opened === undefined) {
        if (!keyring.isReady) await keyring.ready();
        opened = await openToken(keyring, read.token, {
          accept: config.read,
          jweInfo: config.jweInfo,
          // Unbound (raw-secret) iron tokens are tried only while something may still need them.
          ironBindings: config.adoptIronSessions || now <= config.legacyIronUntil ? boundOrRaw : bound,
          now,
          toleranceMs: config.toleranceMs,
        });
        verified = opened;
      } else if (opened.expiresAt !== undefined && now > opened.expiresAt + config.toleranceMs) {
        throw new UnsealError("expired");
      }
      let value: unknown;
      try {
        value = JSON.parse(opened.plaintext);
      } catch {
        throw new UnsealError("malformed");
      }
      const decoded = decodeEnvelope(value);
      reseal =
        opened.entry.index !== 0 ||
        opened.foreignKeyId ||
        opened.format !== config.write ||
        opened.unbound === true;
      if (decoded) {
        // A 0.1 iron cookie (raw secret): read only inside the transition window, then re-sealed bound.
        if (opened.unbound && now > config.legacyIronUntil) throw new UnsealError("bad_seal");
        envelope = decoded;
      } else if (
        config.adoptIronSessions &&
        opened.unbound === true &&
        typeof value === "object" &&
        value !== null &&
        !Array.isArray(value)
      ) {
        // A plain iron value, as iron-session stores it: adopt it so a migration logs nobody out.
        const fallbackExpiry = now + context.maxAge * 1000;
        const expiresAt = Math.min(opened.expiresAt ?? fallbackExpiry, fallbackExpiry);
        envelope = {
          ...Session._fresh(context),
          lifetime: Math.max(1, Math.ceil((expiresAt - now) / 1000)),
          data: value as Record<string, unknown>,
        };
        reseal = true;
      } else {
        throw new UnsealError("malformed");
      }
      const expiresAt = envelope.issuedAt + Math.min(envelope.lifetime, context.maxAge) * 1000;
      if (now > expiresAt + config.toleranceMs) throw new UnsealError("expired");
      if (context.idleTimeout !== undefined) {
        const idleAt = envelope.issuedAt + envelope.seen * 1000 + context.idleTimeout * 1000;
        if (now > idleAt + config.toleranceMs) throw new UnsealError("idle");
      }
      // Remember only tokens that opened and hold a well-formed envelope.
      if (verified) tokens.set(read.token, verified);
    } catch (error) {
      return fresh(read.present, error instanceof UnsealError ? error.code : "malformed");
    }

    if (revocation && (envelope.userId !== null || revocation.checkAnonymous)) {
      const { store } = revocation;
      const query = {
        sessionId: envelope.id,
        userId: envelope.userId ?? undefined,
        issuedAt: envelope.issuedAt,
      };
      let revoked = false;
      try {
        revoked = await withTimeout(() => store.isRevoked(query), revocation.timeout);
      } catch (error) {
        const policy = revocation.report({
          operation: "check",
          kind: failureKind(error),
          error,
          retry: false,
        });
        if (policy !== "open") {
          const session = fresh(read.present, "revocation_unavailable");
          session._readOnly = true;
          return session;
        }
      }
      if (revoked) {
        tokens.delete(read.token);
        return fresh(read.present, "revoked");
      }
    }

    const session = new Session<Data, Flash>(context, envelope, {
      isNew: false,
      present: read.present,
      loadedJson: snapshot(envelope.data, envelope.flash ?? {}),
    });
    session._reseal = reseal;
    session._token = read.token;
    return session;
  }

  /** Validates and serializes data and flash; `loaded` is what `_loadedJson` is compared with. */
  function serialize(session: Session<Data, Flash>) {
    const dataJson = toJson(session._data);
    const flashJson = Object.keys(session._flash).length > 0 ? toJson(session._flash, "flash") : undefined;
    return { dataJson, flashJson, loaded: `${dataJson}\u0000${flashJson ?? ""}` };
  }

  async function commit(
    session: Session<Data, Flash>,
    headers: Headers,
    commitOptions: CommitOptions = {},
  ): Promise<CommitResult> {
    if (session._readOnly) {
      if (session._present.length > 0) caching.depends(headers);
      return COMMITTED;
    }
    if (session._destroyed) {
      tokens.delete(session._token);
      // Clear first: the local logout holds even when the revocation write fails or times out.
      const names = new Set([cookie.name, ...session._present]);
      for (const name of names) headers.append("set-cookie", clearCookieHeader(name, cookie));
      caching.sets(headers);
      return revokeEnded(session, commitOptions.waitUntil);
    }
    const now = context.now();
    const { dataJson, flashJson, loaded } = serialize(session);
    const changed = session._dirty || loaded !== session._loadedJson;
    const envelope = session._envelope;
    const idleTimeout = context.idleTimeout;
    const refreshDue =
      !session.isNew &&
      idleTimeout !== undefined &&
      now - (envelope.issuedAt + envelope.seen * 1000) >= config.refreshAfter * 1000;
    const empty = session.isNew && !changed && Object.keys(session._data).length === 0;
    if (empty || !(changed || refreshDue || session._reseal)) {
      // Nothing to store; a rejected cookie still has to go.
      if (session.invalidReason !== undefined && session._present.length > 0) {
        for (const name of session._present) headers.append("set-cookie", clearCookieHeader(name, cookie));
        caching.sets(headers);
      } else if (session._present.length > 0) caching.depends(headers);
      return COMMITTED;
    }
    // A replaced id's token must not come back from the cache.
    if (session._ended.length > 0) tokens.delete(session._token);
    const result = await revokeEnded(session, commitOptions.waitUntil);
    envelope.seen = Math.max(0, Math.floor((now - envelope.issuedAt) / 1000));
    const body = encodeEnvelope(envelope, dataJson, flashJson);
    if (!keyring.isReady) await keyring.ready();
    const expiresAt = session.expiresAt;
    const token =
      config.write === "iron"
        ? // The envelope carries the expiry; iron's own field would repeat it in 13 more bytes.
          await sealIron(keyring, body, { suffix: options.ironSuffix ?? "", binding: config.ironInfo })
        : await sealJwe(keyring, config.jweInfo, body);
    let maxAge: number | undefined;
    if ((envelope.flags & FLAG_BROWSER_SESSION) === 0) {
      const deadline = Math.min(expiresAt, idleTimeout === undefined ? expiresAt : now + idleTimeout * 1000);
      // Die a second before the seal does, so the browser never sends a cookie we would reject.
      maxAge = Math.min(MAX_COOKIE_AGE, Math.max(1, Math.floor((deadline - now) / 1000) - 1));
    }
    const values = setCookieHeaders(token, cookie, maxAge, session._present);
    if (options.onLargeCookie && token.length + cookie.name.length >= cookie.warnAt) {
      // Count what the browser stores: every chunk's name and value.
      const bytes = splitToken(token, cookie).reduce(
        (sum, [name, value]) => sum + name.length + value.length,
        0,
      );
      if (bytes >= cookie.warnAt) {
        options.onLargeCookie({ bytes, limit: cookie.maxChunks * COOKIE_BYTES, cookie: cookie.name });
      }
    }
    for (const value of values) headers.append("set-cookie", value);
    session._idExposed = true;
    caching.sets(headers);
    // The browser will send this token next: it is ours and valid, so spare the next request the decryption.
    tokens.set(token, {
      format: config.write,
      plaintext: body,
      entry: keyring.newest,
      expiresAt: undefined,
      foreignKeyId: false,
    });
    session._token = token;
    session._loadedJson = loaded;
    session._dirty = false;
    session._reseal = false;
    return result;
  }

  /**
   * Runs one revocation write under the timeout; on failure reports it, hands one retry to
   * `waitUntil` when there is one, and returns the typed error instead of throwing.
   */
  async function write(
    operation: "revokeSession" | "revokeUser",
    run: () => Promise<void>,
    waitUntil: WaitUntil | undefined,
  ): Promise<RevocationWriteError | undefined> {
    const { timeout, retryDelay, report } = revocation as ResolvedRevocation;
    try {
      await withTimeout(run, timeout);
      return undefined;
    } catch (error) {
      const retry = waitUntil !== undefined;
      report({ operation, kind: failureKind(error), error, retry });
      if (waitUntil) {
        waitUntil(
          (async () => {
            await new Promise((done) => setTimeout(done, retryDelay));
            try {
              await withTimeout(run, timeout);
            } catch (again) {
              report({ operation, kind: failureKind(again), error: again, retry: true });
            }
          })(),
        );
      }
      return new RevocationWriteError(operation, retry, error);
    }
  }

  async function revokeEnded(
    session: Session<Data, Flash>,
    waitUntil: WaitUntil | undefined,
  ): Promise<CommitResult> {
    const ended = session._ended.splice(0);
    if (!revocation) return COMMITTED;
    let revocationError: RevocationWriteError | undefined;
    for (const old of ended) {
      // A replaced anonymous id is no fixation target, and anonymous cookies are not checked by default.
      if (old.userId === null && !(session._destroyed && revocation.checkAnonymous)) continue;
      const until = old.expiresAt + config.toleranceMs;
      const failed = await write(
        "revokeSession",
        () => revocation.store.revokeSession({ sessionId: old.id, until }),
        waitUntil,
      );
      revocationError ??= failed;
    }
    return revocationError === undefined ? COMMITTED : { revocationError };
  }

  async function revokeUser(userId: string, revokeOptions: CommitOptions = {}): Promise<void> {
    if (!revocation) {
      throw new ConfigError("revokeUser() needs a `revocation` store in createSessions(options)");
    }
    if (typeof userId !== "string" || userId.length === 0) {
      throw new TypeError("sealed-session: revokeUser(userId) needs a non-empty string");
    }
    // At or after any id issued so far, so "issued up to now" includes this very millisecond.
    const cutoff = issueTime();
    lastCutoff = Math.max(lastCutoff, cutoff);
    const until = cutoff + context.maxAge * 1000 + config.toleranceMs;
    const failed = await write(
      "revokeUser",
      () => revocation.store.revokeUser({ userId, cutoff, until }),
      revokeOptions.waitUntil,
    );
    if (failed) throw failed;
  }

  function estimateSize(session: Session<Data, Flash>): number {
    const { dataJson, flashJson } = serialize(session);
    const bytes = utf8.encode(encodeEnvelope(session._envelope, dataJson, flashJson)).length;
    const tokenLength =
      config.write === "iron" ? ironLength(bytes, options.ironSuffix ?? "") : jweLength(bytes);
    if (tokenLength + cookie.name.length <= COOKIE_BYTES) return tokenLength + cookie.name.length;
    const perChunk = COOKIE_BYTES - (cookie.name.length + 2);
    const count = Math.ceil((tokenLength + 2) / perChunk);
    return tokenLength + 2 + count * (cookie.name.length + 2);
  }

  function jweLength(plaintextBytes: number): number {
    const kid = keyring.newest.id ?? "xxxxxx";
    const header = JSON.stringify({ alg: "dir", enc: "A256GCM", kid });
    return b64len(header.length) + 2 + 16 + 1 + b64len(plaintextBytes) + 1 + 22;
  }

  function ironLength(plaintextBytes: number, suffix: string): number {
    const kid = keyring.newest.id ?? "xxxxxx";
    const cipher = (Math.floor(plaintextBytes / 16) + 1) * 16;
    const salt = 2 * IRON_SALT_BYTES;
    // Fe26.2*kid*salt*iv*cipher**salt*mac (empty expiry field)
    return 7 + kid.length + 1 + salt + 1 + 22 + 1 + b64len(cipher) + 2 + salt + 1 + 43 + suffix.length;
  }

  return {
    cookieName: cookie.name,
    load,
    commit,
    revokeUser,
    estimateSize,
    issueToken: async (session, issueOptions) => tokensOf().issue(session, issueOptions),
    verifyToken: async (input) => tokensOf().verify(input),
    jwks: async () => tokensOf().jwks(),
  };
}

const b64len = (bytes: number) => Math.ceil((bytes * 4) / 3);

function snapshot(data: Record<string, unknown>, flash: Record<string, unknown>): string {
  const flashJson = Object.keys(flash).length > 0 ? JSON.stringify(flash) : undefined;
  return `${JSON.stringify(data)}\u0000${flashJson ?? ""}`;
}

const EMPTY_SNAPSHOT = snapshot({}, {});
