/**
 * What every Redis-backed store shares: the structural client type, adapters for node-redis,
 * ioredis and Bun's client, key names, a WATCH/MULTI check-and-set loop, and the start-up eviction
 * check. Runtime-neutral: no client library is imported; each adapter takes the user's client.
 *
 * Stores speak raw commands (arrays of strings) through `command`, so one code path serves every
 * client, and replies are normalised here. Atomic read-modify-write runs on a connection of its own
 * (`isolated`): WATCH state lives on a connection, and a shared one would silently lose updates.
 * No Lua: values are decided and serialised in JavaScript (Redis's cjson turns `[]` into `{}` and
 * truncates numbers).
 */
import { ConfigError } from "../errors.ts";

/** Sends commands: a command name, then its arguments. */
export interface RedisCommandsLike {
  /**
   * Sends one command and resolves to its reply as the client decodes it (string, number, null,
   * array, …); rejects on an error reply or when the client cannot send (Redis down, client closed).
   * Calls made without awaiting go out in order on one connection (pipelined).
   */
  command(args: readonly string[]): Promise<unknown>;
}

/**
 * The client a Redis store takes: `nodeRedisClient(client)`, `ioredisClient(redis)`,
 * `bunRedisClient(client)`, or your own object with these two methods.
 */
export interface RedisClientLike extends RedisCommandsLike {
  /**
   * Runs `fn` on a connection that nobody else uses until `fn` settles (a pooled or duplicated
   * connection), for WATCH/MULTI/EXEC. `key` is a key the transaction touches; every key it touches
   * shares that key's hash slot, so a Redis Cluster adapter can open the connection on the right node.
   * The connection may be reused afterwards: `redisCheckAndSet` leaves no WATCH or MULTI behind.
   */
  isolated<T>(key: string, fn: (connection: RedisCommandsLike) => Promise<T>): Promise<T>;
}

/** The client checked when a store is built: a `TypeError` that names the engine and the adapters. */
export function assertRedisClient(client: unknown, caller: string): asserts client is RedisClientLike {
  const c = client as Partial<Record<string, unknown>> | null | undefined;
  if (typeof c?.command === "function" && typeof c.isolated === "function") return;
  const hint =
    typeof c?.execute === "function" && typeof c.sendCommand === "function"
      ? "this looks like a node-redis pool: pass nodeRedisClient(pool)"
      : typeof c?.sendCommand === "function" && typeof c.duplicate === "function" && c.call === undefined
        ? "this looks like a node-redis client: pass nodeRedisClient(client)"
        : typeof c?.call === "function" && typeof c.duplicate === "function"
          ? "this looks like an ioredis client: pass ioredisClient(redis)"
          : typeof c?.send === "function" && typeof c.duplicate === "function"
            ? "this looks like Bun's RedisClient: pass bunRedisClient(client)"
            : "wrap your client with nodeRedisClient(client), ioredisClient(redis) or bunRedisClient(client)";
  throw new TypeError(
    `sealed-session: ${caller} needs a Redis client ({ command, isolated }); ${hint} (see docs/redis.md)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Adapters. Each is a few lines over the client's raw-command method; the types are structural,
// so src/ imports no client library.

/** The part of a node-redis pool (`createClientPool`, redis v5 and v6) the adapter uses. */
export interface NodeRedisPoolLike {
  sendCommand(args: string[]): Promise<unknown>;
  execute<T>(fn: (client: { sendCommand(args: string[]): Promise<unknown> }) => Promise<T>): Promise<T>;
}

/** The part of a node-redis connection (a duplicate of the client) the adapter uses. */
export interface NodeRedisConnectionLike {
  sendCommand(args: string[]): Promise<unknown>;
  connect(): Promise<unknown>;
  destroy(): void;
  on(event: "error", listener: (error: unknown) => void): unknown;
  readonly isReady: boolean;
}

/** The part of a node-redis client (`createClient`, redis v5 and v6) the adapter uses. */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(overrides: { socket: object }): NodeRedisConnectionLike;
  readonly options?: { readonly socket?: object } | undefined;
}

/**
 * node-redis (npm `redis` v5, v6). Takes a client (recommended: commands share its connection,
 * pipelined) or a pool. With a client, transactions run on duplicates of it, kept for reuse while
 * busy and closed after a second idle; a duplicate never retries its connection (it fails at once
 * while Redis is down, and is replaced afterwards). With a pool, every command borrows a pooled
 * connection and transactions run in `pool.execute`. Create either with `disableOfflineQueue: true`,
 * or commands wait (until the caller's timeout) while Redis is down:
 *
 *   const client = await createClient({ url, disableOfflineQueue: true }).on("error", log).connect();
 *   redisRevocationStore(nodeRedisClient(client))
 */
export function nodeRedisClient(
  client: NodeRedisClientLike | NodeRedisPoolLike,
  options?: IsolatedPoolOptions,
): RedisClientLike {
  return once(client, options, () => adaptNodeRedis(client, options ?? {}));
}

function adaptNodeRedis(
  client: NodeRedisClientLike | NodeRedisPoolLike,
  options: IsolatedPoolOptions,
): RedisClientLike {
  const c = client as Partial<NodeRedisClientLike & NodeRedisPoolLike> | undefined;
  if (typeof c?.sendCommand === "function" && typeof c.execute === "function") {
    const pool = client as NodeRedisPoolLike;
    return {
      command: (args) => pool.sendCommand([...args]),
      isolated: (_key, fn) =>
        pool.execute((connection) => fn({ command: (args) => connection.sendCommand([...args]) })),
    };
  }
  if (typeof c?.sendCommand !== "function" || typeof c.duplicate !== "function") {
    throw new TypeError(
      "sealed-session: nodeRedisClient(client) needs a node-redis client (createClient(…)) or pool (createClientPool(…))",
    );
  }
  const main = client as NodeRedisClientLike;
  const isolated = connectionPool<NodeRedisConnectionLike>(
    async () => {
      // The client's own socket options (host, port, TLS), without retries: a connect while Redis is
      // down fails at once instead of retrying forever in the background.
      const connection = main.duplicate({ socket: { ...main.options?.socket, reconnectStrategy: false } });
      connection.on("error", () => {});
      try {
        await connection.connect();
      } catch (error) {
        connection.destroy();
        throw error;
      }
      return connection;
    },
    (connection) => connection.destroy(),
    (connection) => connection.isReady,
    options,
  );
  return {
    command: (args) => main.sendCommand([...args]),
    isolated: (_key, fn) =>
      isolated((connection) => fn({ command: (args) => connection.sendCommand([...args]) })),
  };
}

/** The part of an ioredis connection the adapter uses. */
export interface IoredisConnectionLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  readonly status: string;
  connect(): Promise<unknown>;
  disconnect(): void;
  on(event: "error", listener: (error: unknown) => void): unknown;
}

/** The part of an ioredis client (`new Redis(…)`, ioredis v5, v6) the adapter uses. */
export interface IoredisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  duplicate(override: { lazyConnect: boolean }): IoredisConnectionLike;
}

/**
 * ioredis (v5, v6). Transactions run on duplicates of the client (same options), kept for reuse
 * while busy and closed after a second idle. Create the client with `enableOfflineQueue: false` (and
 * `lazyConnect: true`, then `await redis.connect()`), or commands wait while Redis is down.
 */
export function ioredisClient(redis: IoredisLike, options?: IsolatedPoolOptions): RedisClientLike {
  if (typeof redis?.call !== "function" || typeof redis.duplicate !== "function") {
    throw new TypeError("sealed-session: ioredisClient(redis) needs an ioredis client (new Redis(…))");
  }
  return once(redis, options, () => adaptIoredis(redis, options ?? {}));
}

function adaptIoredis(redis: IoredisLike, options: IsolatedPoolOptions): RedisClientLike {
  const isolated = connectionPool<IoredisConnectionLike>(
    async () => {
      const connection = redis.duplicate({ lazyConnect: true });
      // Failures reach us as rejected commands; an "error" event nobody listens to would be printed.
      connection.on("error", () => {});
      try {
        await connection.connect();
      } catch (error) {
        connection.disconnect(); // or it keeps reconnecting in the background
        throw error;
      }
      return connection;
    },
    (connection) => connection.disconnect(),
    (connection) => connection.status === "ready",
    options,
  );
  return {
    command: ([name, ...args]) => redis.call(name as string, ...args),
    isolated: (_key, fn) =>
      isolated((connection) =>
        fn({ command: ([name, ...args]) => connection.call(name as string, ...args) }),
      ),
  };
}

/** The part of a Bun `RedisClient` connection the adapter uses. */
export interface BunRedisConnectionLike {
  send(command: string, args: string[]): Promise<unknown>;
  close(): void;
  readonly connected: boolean;
}

/** The part of Bun's `RedisClient` (`new RedisClient(url)` or `Bun.redis`) the adapter uses. */
export interface BunRedisLike {
  send(command: string, args: string[]): Promise<unknown>;
  duplicate(): Promise<BunRedisConnectionLike>;
}

/**
 * Bun's built-in client. Transactions run on duplicates (`client.duplicate()`), kept for reuse while
 * busy and closed after a second idle. Create the client with `enableOfflineQueue: false`, or
 * commands wait while Redis is down.
 */
export function bunRedisClient(client: BunRedisLike, options?: IsolatedPoolOptions): RedisClientLike {
  if (typeof client?.send !== "function" || typeof client.duplicate !== "function") {
    throw new TypeError(
      "sealed-session: bunRedisClient(client) needs Bun's RedisClient (new RedisClient(url))",
    );
  }
  return once(client, options, () => adaptBun(client, options ?? {}));
}

function adaptBun(client: BunRedisLike, options: IsolatedPoolOptions): RedisClientLike {
  const isolated = connectionPool<BunRedisConnectionLike>(
    () => client.duplicate(),
    (connection) => connection.close(),
    (connection) => connection.connected,
    options,
  );
  return {
    command: ([name, ...args]) => client.send(name as string, args),
    isolated: (_key, fn) =>
      isolated((connection) => fn({ command: ([name, ...args]) => connection.send(name as string, args) })),
  };
}

// One adapter per client (when made without options): a store built per request with
// `nodeRedisClient(client)` still shares the duplicated connections and the one eviction check.
const adapters = new WeakMap<object, RedisClientLike>();

function once(client: object, options: IsolatedPoolOptions | undefined, make: () => RedisClientLike) {
  if (options !== undefined) return make();
  let adapter = adapters.get(client);
  if (adapter === undefined) {
    adapter = make();
    adapters.set(client, adapter);
  }
  return adapter;
}

export interface IsolatedPoolOptions {
  /** Transactions at once, each on its own connection; more wait their turn. Default 8. */
  readonly maxConnections?: number;
  /** ms an unused connection is kept for the next transaction. Default 1000. */
  readonly idleTimeout?: number;
}

/**
 * Lends connections one caller at a time: reuses idle ones that are still connected, opens up to
 * `maxConnections`, queues the rest. A connection whose task failed is closed, never lent again (its
 * state is unknown). Idle ones close after `idleTimeout`, so they never keep a process alive for long.
 */
function connectionPool<C>(
  open: () => Promise<C>,
  close: (connection: C) => void,
  alive: (connection: C) => boolean,
  options: IsolatedPoolOptions,
): <T>(fn: (connection: C) => Promise<T>) => Promise<T> {
  const max = options.maxConnections ?? 8;
  const idleTimeout = options.idleTimeout ?? 1000;
  if (!(Number.isInteger(max) && max >= 1))
    throw new ConfigError("`maxConnections` must be an integer from 1");
  if (!(Number.isFinite(idleTimeout) && idleTimeout >= 0))
    throw new ConfigError("`idleTimeout` must be ms from 0");
  const idle: { connection: C; timer: ReturnType<typeof setTimeout> }[] = [];
  const waiting: (() => void)[] = [];
  let busy = 0;
  const shut = (connection: C) => {
    try {
      close(connection);
    } catch {}
  };
  return async (fn) => {
    // A finished task hands its slot straight to the next waiter, so `busy` never exceeds `max`.
    if (busy < max) busy++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    let connection: C | undefined;
    try {
      let reused = idle.pop();
      while (reused !== undefined) {
        clearTimeout(reused.timer);
        if (alive(reused.connection)) break;
        shut(reused.connection); // Redis went away since: a fresh one, rather than a failure
        reused = idle.pop();
      }
      connection = reused?.connection ?? (await open());
      const result = await fn(connection);
      const kept = connection;
      const timer = setTimeout(() => {
        const at = idle.findIndex((entry) => entry.connection === kept);
        if (at !== -1) idle.splice(at, 1);
        shut(kept);
      }, idleTimeout);
      (timer as { unref?: () => void }).unref?.();
      idle.push({ connection: kept, timer });
      return result;
    } catch (error) {
      if (connection !== undefined) shut(connection);
      throw error;
    } finally {
      const next = waiting.shift();
      if (next !== undefined) next();
      else busy--;
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Replies. Clients decode differently (RESP2 arrays, RESP3 maps as objects, Buffers on request);
// stores read replies through these.

const decoder = new TextDecoder();

/** A bulk-string reply as a string, `null` for nil; anything else is a protocol surprise. */
export function replyString(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "string") return reply;
  if (reply instanceof Uint8Array) return decoder.decode(reply);
  if (typeof reply === "number" || typeof reply === "bigint") return String(reply);
  throw new TypeError(`sealed-session: unexpected Redis reply (${typeof reply}) where a string was expected`);
}

/** An array reply (MGET, EXEC, SCAN); `null` for a nil array (an aborted EXEC). */
export function replyArray(reply: unknown): unknown[] | null {
  if (reply === null || reply === undefined) return null;
  if (Array.isArray(reply)) return reply;
  throw new TypeError("sealed-session: unexpected Redis reply where an array was expected");
}

/** A map reply (CONFIG GET): RESP2 flat arrays, RESP3 objects or Maps. */
export function replyMap(reply: unknown): Map<string, unknown> {
  if (reply instanceof Map) return new Map([...reply].map(([k, v]) => [String(replyString(k)), v]));
  if (Array.isArray(reply)) {
    const map = new Map<string, unknown>();
    for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(replyString(reply[i])), reply[i + 1]);
    return map;
  }
  if (typeof reply === "object" && reply !== null) return new Map(Object.entries(reply));
  throw new TypeError("sealed-session: unexpected Redis reply where a map was expected");
}

// ---------------------------------------------------------------------------------------------
// Keys.

/**
 * Key names under one prefix, with a hash tag: `<prefix>{<tag>}:<name>`. Redis Cluster hashes only
 * the tag, so every key with one tag lives in one slot and a transaction or a multi-key command over
 * them works there (otherwise CROSSSLOT). Stores tag by the keyed hash of the user id (all of one
 * user's keys together) or, for a session without a user, by the session id. Never a raw user id.
 */
export interface RedisKeys {
  readonly prefix: string;
  key(tag: string, name: string): string;
  /** A SCAN MATCH pattern for every key under the prefix (the prefix's glob characters escaped). */
  readonly pattern: string;
  /** A listed key without the prefix, or `undefined` when it is not under the prefix. */
  strip(key: string): string | undefined;
}

export function redisKeys(prefix: string | undefined, fallback: string): RedisKeys {
  const base = prefix ?? fallback;
  if (typeof base !== "string" || /[{}]/.test(base)) {
    throw new ConfigError(
      "Redis store option `prefix` must be a string without `{` or `}` (the hash tag after it picks the Cluster slot)",
    );
  }
  const escaped = base.replace(/[*?[\]\\]/g, "\\$&");
  return {
    prefix: base,
    key(tag, name) {
      if (tag.length === 0 || /[{}]/.test(tag)) throw new TypeError("sealed-session: invalid Redis hash tag");
      return `${base}{${tag}}:${name}`;
    },
    pattern: `${escaped}*`,
    strip: (key) => (key.startsWith(base) ? key.slice(base.length) : undefined),
  };
}

/** Every key matching `pattern`, by SCAN (never KEYS: it blocks the server), `count` per call. */
export async function* redisScan(
  client: RedisCommandsLike,
  pattern: string,
  count = 100,
): AsyncGenerator<string[], void, undefined> {
  let cursor = "0";
  do {
    const reply = replyArray(
      await client.command(["SCAN", cursor, "MATCH", pattern, "COUNT", String(count)]),
    );
    cursor = String(replyString(reply?.[0]));
    const keys = replyArray(reply?.[1]) ?? [];
    if (keys.length > 0) yield keys.map((key) => String(replyString(key)));
  } while (cursor !== "0");
}

/** A TTL argument for `PX`: ms from now until `until`, plus `margin` ms; `undefined` when it has passed. */
export function pxUntil(until: number, now: number, margin: number): string | undefined {
  const ms = Math.ceil(until - now + margin);
  return ms > 0 ? String(ms) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Check-and-set.

/** What a check-and-set writes, and what it returns. */
export interface RedisCasPlan<T> {
  /** Commands run in one MULTI/EXEC if no watched key changed since WATCH; none: nothing is written. */
  readonly writes: readonly (readonly string[])[];
  readonly result: T;
}

export interface RedisCasOptions {
  /** Tries before giving up with `RedisConflictError`. Default 8. */
  readonly attempts?: number;
}

/** Other writers changed the watched keys on every try. Writes nothing; safe to retry later. */
export class RedisConflictError extends Error {
  constructor(attempts: number) {
    super(`sealed-session: Redis keys kept changing during ${attempts} check-and-set attempts`);
    this.name = "RedisConflictError";
  }
}

/** An EXEC reply that carries an error reply (a queued command failed; the others ran). */
function execError(replies: unknown[]): unknown {
  return replies.find((reply) => reply instanceof Error);
}

/**
 * An atomic read-modify-write: on an isolated connection, WATCH `watch` (all in one hash slot), let
 * `plan` read what it needs through the connection and decide, then run its writes in MULTI/EXEC.
 * When another writer changed a watched key in between, EXEC does nothing and the whole thing runs
 * again (at most `attempts` times, with a short jittered pause). `plan` must not write itself.
 *
 * Cost: WATCH pipelines with plan's first read (one round trip), MULTI + writes + EXEC are one
 * more; a plan that writes nothing ends with UNWATCH instead.
 */
export async function redisCheckAndSet<T>(
  client: RedisClientLike,
  watch: readonly [string, ...string[]],
  plan: (connection: RedisCommandsLike) => Promise<RedisCasPlan<T>>,
  options: RedisCasOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    const outcome = await client.isolated(watch[0], async (connection) => {
      let clean = false;
      try {
        // Not awaited first: the plan's reads queue behind it on the same connection (one round trip).
        const watching = connection.command(["WATCH", ...watch]);
        watching.catch(() => {});
        let decided: RedisCasPlan<T>;
        try {
          decided = await plan(connection);
        } finally {
          await watching;
        }
        if (decided.writes.length === 0) {
          await connection.command(["UNWATCH"]);
          clean = true;
          return { done: true as const, result: decided.result };
        }
        const sent = [
          connection.command(["MULTI"]),
          ...decided.writes.map((write) => connection.command(write)),
          connection.command(["EXEC"]),
        ];
        for (const reply of sent) reply.catch(() => {});
        const exec = sent[sent.length - 1] as Promise<unknown>;
        await Promise.all(sent.slice(0, -1));
        const replies = replyArray(await exec);
        clean = true; // EXEC ends MULTI and clears every WATCH, whatever it did
        if (replies === null) return { done: false as const };
        const failed = execError(replies);
        if (failed !== undefined) throw failed;
        return { done: true as const, result: decided.result };
      } finally {
        // Never hand back a connection that still watches or queues (pools do not reset it).
        if (!clean) {
          await connection.command(["DISCARD"]).catch(() => {});
          await connection.command(["UNWATCH"]).catch(() => {});
        }
      }
    });
    if (outcome.done) return outcome.result;
    if (attempt >= attempts) throw new RedisConflictError(attempts);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
  }
}

// ---------------------------------------------------------------------------------------------
// Eviction.

export interface EvictionReport {
  /** `safe`: noeviction, or no memory limit; `evicts`: keys may be evicted; `unknown`: CONFIG refused or failed. */
  readonly risk: "safe" | "evicts" | "unknown";
  readonly policy: string | undefined;
  readonly maxmemory: string | undefined;
}

/**
 * Reads `maxmemory` and `maxmemory-policy` (one `CONFIG GET maxmemory*`) and warns when Redis may
 * evict the store's keys; `consequence` says what an eviction would do. Never throws: managed Redis
 * (ElastiCache, Memorystore) often refuses CONFIG, so a refusal only warns that it could not check.
 */
export async function checkRedisEviction(
  client: RedisCommandsLike,
  consequence: string,
  warn: (message: string) => void = console.warn,
): Promise<EvictionReport> {
  let config: Map<string, unknown>;
  try {
    config = replyMap(await client.command(["CONFIG", "GET", "maxmemory*"]));
  } catch (error) {
    warn(
      `sealed-session: could not read Redis's maxmemory-policy (${error instanceof Error ? error.name : "error"}; ` +
        `managed Redis often refuses CONFIG). Make sure it is noeviction: ${consequence}`,
    );
    return { risk: "unknown", policy: undefined, maxmemory: undefined };
  }
  const policy = replyString(config.get("maxmemory-policy")) ?? undefined;
  const maxmemory = replyString(config.get("maxmemory")) ?? undefined;
  if (policy === undefined) {
    warn(
      `sealed-session: Redis did not report its maxmemory-policy. Make sure it is noeviction: ${consequence}`,
    );
    return { risk: "unknown", policy, maxmemory };
  }
  // Every key of these stores has a TTL, so the volatile-* policies evict them as readily as allkeys-*.
  if (policy === "noeviction" || maxmemory === "0") return { risk: "safe", policy, maxmemory };
  warn(
    `sealed-session: Redis's maxmemory-policy is ${policy} (maxmemory ${maxmemory}): it may evict keys. ` +
      `Set maxmemory-policy noeviction: ${consequence}`,
  );
  return { risk: "evicts", policy, maxmemory };
}

// One check per client object and consequence: stores built per request must not query CONFIG per request.
const checked = new WeakMap<object, Set<string>>();

/** Starts `checkRedisEviction` once per client and consequence, in the background; never rejects. */
export function checkRedisEvictionOnce(client: RedisClientLike, consequence: string): void {
  let seen = checked.get(client);
  if (seen === undefined) {
    seen = new Set();
    checked.set(client, seen);
  }
  if (seen.has(consequence)) return;
  seen.add(consequence);
  checkRedisEviction(client, consequence).catch(() => {});
}
