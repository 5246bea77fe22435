/**
 * Moving an app from express-session + connect-redis without logging anybody out (opt-in). A request
 * that carries express-session's signed cookie (`connect.sid=s:<id>.<signature>`) and no session of
 * ours has its connect-redis record (`sess:<id>`) taken with GETDEL — so the old cookie works once,
 * and a copy of it cannot mint sessions afterwards — mapped by the app into this library's session,
 * and its cookie cleared; the response then carries our cookie.
 *
 * Framework-neutral on purpose: it takes a Cookie header and a freshly loaded Session, and uses Web
 * Crypto (HMAC-SHA256) and a structural Redis client. Neither express-session nor connect-redis is
 * needed at run time. Only the Express entry point imports it, so the core bundle never carries it.
 */
import { parseCookie, stringifySetCookie } from "cookie";
import { ConfigError } from "../errors.ts";
import { utf8 } from "../lib/bytes.ts";
import { type RedisCommandsLike, replyString } from "../lib/redis.ts";
import type { Session } from "../session/session.ts";

/**
 * The Redis client the migration reads through (one GETDEL per legacy cookie, Redis 6.2 or later):
 * the client connect-redis used as it is — node-redis (`getDel`), ioredis or Bun's (`getdel`) — or
 * the library's structural client (`nodeRedisClient(client)` and its kin from
 * `sealed-session/revocation`, or any `{ command(args) }`).
 */
export type LegacyRedisClient =
  | RedisCommandsLike
  | { getDel(key: string): Promise<unknown> }
  | { getdel(key: string): Promise<unknown> };

/**
 * A record as express-session stores it through connect-redis: the app's own fields beside
 * `cookie` (express-session's cookie settings, with `expires` as an ISO date).
 */
export interface LegacySessionRecord {
  readonly cookie?: { readonly expires?: string | null; readonly originalMaxAge?: number | null };
  readonly [field: string]: unknown;
}

/** What `mapLegacy` makes of a record: a user to log in (a new session id), and the data to keep. */
export interface LegacyMapping<Data> {
  readonly userId?: string | undefined;
  readonly data: Partial<Data>;
}

/** A failed or slow Redis read: the request went on without the record and kept its legacy cookie. */
export interface LegacyErrorEvent {
  readonly kind: "error" | "timeout";
  readonly error: unknown;
}

export interface ExpressSessionMigration<Data extends object = Record<string, unknown>> {
  /**
   * express-session's `secret`: one, or the list (all are tried, as express-session does). A
   * `connect.sid` that is unsigned or signed otherwise is ignored (and cleared) without a Redis call.
   */
  readonly secret: string | readonly string[];
  /** The Redis client connect-redis used: node-redis (client or pool), ioredis, Bun's `RedisClient`. */
  readonly redis: LegacyRedisClient;
  /**
   * Turns an express-session record into this library's session: `{ userId, data }` logs `userId`
   * in (new session id) with `data`; `{ data }` keeps an anonymous session's data; `null` drops
   * the record. express-session has no user field: say where your app kept it (e.g. `record.user.id`).
   * What it throws goes to the framework's error handling (the record is already gone then).
   */
  readonly mapLegacy: (
    record: LegacySessionRecord,
  ) => LegacyMapping<Data> | null | undefined | Promise<LegacyMapping<Data> | null | undefined>;
  /** After this moment legacy cookies are ignored altogether: no Redis read, no clearing. */
  readonly migrateUntil: Date;
  /** express-session's `name`. Default `"connect.sid"`. */
  readonly name?: string;
  /** connect-redis's `prefix`. Default `"sess:"`. */
  readonly prefix?: string;
  /** express-session's `cookie.path` and `cookie.domain`, so the clearing cookie matches. Default path `/`. */
  readonly cookie?: { readonly path?: string; readonly domain?: string };
  /** ms to wait for Redis before going on without the record. Default 1000. */
  readonly timeout?: number;
  /** Told of a failed or slow Redis read (no ids in it). Default: a warning, at most once a minute. */
  readonly onError?: (event: LegacyErrorEvent) => void;
}

/** Runs the migration for one request. */
export interface LegacyMigration {
  /**
   * Looks for a legacy cookie in `cookieHeader`. When it is validly signed, takes its record from
   * Redis and — if `session` is new — maps it into `session` (data, and `login` when there is a
   * user). Returns the `Set-Cookie` values that clear the legacy cookie (none when there was no
   * legacy cookie, the window has closed, or Redis failed: then the cookie stays for a later try).
   * Throws what `mapLegacy` throws, and `DataError` for data JSON cannot carry.
   */
  migrate(session: Session<object, object>, cookieHeader: string | undefined): Promise<readonly string[]>;
}

const NONE: readonly string[] = Object.freeze([]);
const LOG_INTERVAL = 60_000;
let lastLog = Number.NEGATIVE_INFINITY;

class LegacyTimeoutError extends Error {
  constructor(ms: number) {
    super(`sealed-session: Redis did not answer within ${ms} ms`);
    this.name = "LegacyTimeoutError";
  }
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new ConfigError(`migrate: ${message}`);
}

/** Checks the options once (a `ConfigError` names the one that is wrong) and returns the migration. */
export function legacyMigration<Data extends object>(
  options: ExpressSessionMigration<Data>,
): LegacyMigration {
  check(typeof options === "object" && options !== null, "the migration options must be an object");
  const secrets = typeof options.secret === "string" ? [options.secret] : options.secret;
  check(
    Array.isArray(secrets) &&
      secrets.length > 0 &&
      secrets.every((secret) => typeof secret === "string" && secret.length > 0),
    "`secret` must be express-session's secret: a non-empty string or a list of them",
  );
  const getDel = getDelOf(options.redis);
  check(
    getDel !== undefined,
    "`redis` must be a Redis client: `{ command(args) }` (nodeRedisClient(pool), …), or node-redis, " +
      "ioredis or Bun's client as connect-redis used it",
  );
  check(typeof options.mapLegacy === "function", "`mapLegacy(record)` must be a function");
  const until = options.migrateUntil;
  check(
    until instanceof Date && Number.isFinite(until.getTime()),
    "`migrateUntil` must be a Date: legacy cookies are ignored after it",
  );
  const name = options.name ?? "connect.sid";
  check(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name), "`name` must be a cookie name");
  const prefix = options.prefix ?? "sess:";
  check(typeof prefix === "string", "`prefix` must be a string");
  const timeout = options.timeout ?? 1000;
  check(Number.isFinite(timeout) && timeout > 0, "`timeout` must be a number of ms above 0");
  const clear = stringifySetCookie({
    name,
    value: "",
    path: options.cookie?.path ?? "/",
    domain: options.cookie?.domain,
    expires: new Date(0),
    maxAge: 0,
  });
  const cleared: readonly string[] = Object.freeze([clear]);
  const report = options.onError ?? logFailure;

  let keys: Promise<CryptoKey[]> | undefined;
  const importKeys = () =>
    Promise.all(
      (secrets as readonly string[]).map((secret) =>
        crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
          "sign",
        ]),
      ),
    );
  // Requests that carry the same cookie at the same moment (a page and its assets) share one GETDEL.
  const inFlight = new Map<string, Promise<unknown>>();

  /** The session id of a cookie signed with one of the secrets, as cookie-signature checks it. */
  async function unsign(value: string): Promise<string | undefined> {
    if (!value.startsWith("s:")) return undefined;
    const dot = value.lastIndexOf(".");
    if (dot <= 2) return undefined;
    const id = value.slice(2, dot);
    const signature = value.slice(dot + 1);
    // base64 of 32 bytes without its padding: 43 characters.
    if (signature.length !== 43) return undefined;
    keys ??= importKeys();
    const data = utf8.encode(id);
    for (const key of await keys) {
      const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, data));
      if (constantTimeEqual(base64NoPad(mac), signature)) return id;
    }
    return undefined;
  }

  function take(id: string): Promise<unknown> {
    let pending = inFlight.get(id);
    if (pending === undefined) {
      pending = withDeadline(() => getDel!(prefix + id), timeout).finally(() => inFlight.delete(id));
      inFlight.set(id, pending);
    }
    return pending;
  }

  return {
    async migrate(session, cookieHeader) {
      // Most requests carry no legacy cookie: no parsing for them.
      if (cookieHeader === undefined || !cookieHeader.includes(`${name}=`)) return NONE;
      if (Date.now() > until.getTime()) return NONE;
      const value = parseCookie(cookieHeader)[name];
      if (value === undefined) return NONE;
      const id = await unsign(value);
      if (id === undefined) return cleared;
      let text: string | null;
      try {
        // Buffers (Bun, RESP3 clients) read as text; a reply of another kind is a failure.
        text = replyString(await take(id));
      } catch (error) {
        // Keep the legacy cookie: the next request tries again, and nobody is logged out by an outage.
        try {
          report({ kind: error instanceof LegacyTimeoutError ? "timeout" : "error", error });
        } catch (thrown) {
          console.error("sealed-session: migrate.onError threw", thrown);
        }
        return NONE;
      }
      // Gone (used, expired, or a replayed copy), or the request already has a session of ours:
      // the record is retired either way.
      if (text === null || !session.isNew || session.readOnly) return cleared;
      const record = parseRecord(text);
      if (record === undefined) return cleared;
      const mapped = await options.mapLegacy(record);
      if (mapped === null || mapped === undefined) return cleared;
      (session as Session<Record<string, unknown>, object>).data = mapped.data as Record<string, unknown>;
      if (mapped.userId !== undefined) session.login(mapped.userId);
      return cleared;
    },
  };
}

/**
 * GETDEL through whichever method the client has. `getDel`/`getdel` first: node-redis and ioredis
 * clients also have a `command` method, which sends Redis's COMMAND.
 */
function getDelOf(client: unknown): ((key: string) => Promise<unknown>) | undefined {
  const c = client as Partial<Record<"command" | "getDel" | "getdel", unknown>> | null | undefined;
  for (const name of ["getDel", "getdel"] as const) {
    const method = c?.[name];
    if (typeof method === "function")
      return (key) => (method as (key: string) => Promise<unknown>).call(c, key);
  }
  if (typeof c?.command === "function") {
    const command = c.command as (args: readonly string[]) => Promise<unknown>;
    return (key) => command.call(c, ["GETDEL", key]);
  }
  return undefined;
}

/** The record as JSON (connect-redis's serializer), when it is an object that has not expired. */
function parseRecord(text: string): LegacySessionRecord | undefined {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof record !== "object" || record === null || Array.isArray(record)) return undefined;
  const expires = (record as LegacySessionRecord).cookie?.expires;
  if (typeof expires === "string" && Date.parse(expires) <= Date.now()) return undefined;
  return record as LegacySessionRecord;
}

function withDeadline<T>(start: () => Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LegacyTimeoutError(ms)), ms);
  });
  let call: Promise<T>;
  try {
    call = start();
  } catch (error) {
    call = Promise.reject(error);
  }
  return Promise.race([call, deadline]).finally(() => clearTimeout(timer));
}

function base64NoPad(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, "");
}

/** Compares two strings in time that depends on their length only. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** Names the error class only: never the key (it holds a session id) or the message. */
function logFailure(event: LegacyErrorEvent): void {
  const now = Date.now();
  if (now - lastLog < LOG_INTERVAL) return;
  lastLog = now;
  const what =
    event.kind === "timeout"
      ? "timed out"
      : `failed (${event.error instanceof Error ? event.error.name : typeof event.error})`;
  console.warn(
    `sealed-session: reading an express-session record from Redis ${what}; the request went on ` +
      "without it and keeps its legacy cookie for a later try (logged at most once a minute)",
  );
}
