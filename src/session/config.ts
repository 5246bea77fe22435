/**
 * A manager's configuration: every option checked once, at `createSessions`, so a misconfiguration
 * fails at start-up with a message that names the option and says how to fix it — never on a
 * user's request. The result also holds the manager's few pieces of state (keys, the token cache,
 * the newest revocation cutoff), which the load and commit steps share.
 */
import { legacyDeadline } from "../codec/seal.ts";
import type { Opened } from "../codec/types.ts";
import { FORMATS, type Format } from "../codec/types.ts";
import { type CookieOptions, type ResolvedCookie, resolveCookie } from "../cookie/options.ts";
import { ConfigError, type ReasonCode } from "../errors.ts";
import { type IronBinding, Keyring, parseSecrets, type SecretInput } from "../keyring.ts";
import { featureOf } from "../lib/feature.ts";
import { toJson } from "../lib/json.ts";
import { Lru } from "../lib/lru.ts";
import type { RegistryFeature } from "../registry/feature.ts";
import type { ResolvedRegistry } from "../registry/policy.ts";
import type { RegistryOptions, RegistryStore } from "../registry/types.ts";
import { type ResolvedRevocation, resolveRevocation } from "../revocation/policy.ts";
import type { RevocationOptions, RevocationStore } from "../revocation/types.ts";
import type { StoreFeature } from "../store/feature.ts";
import type { ResolvedStore } from "../store/policy.ts";
import type { DataStore, StoreOptions } from "../store/types.ts";
import type { SessionTokens } from "../token/session-tokens.ts";
import type { Tokens } from "../token/types.ts";
import { type CachePolicy, cachePolicy } from "./cache-control.ts";
import type { SessionContext } from "./session.ts";
import type { StandardSchemaV1 } from "./standard-schema.ts";
import { TokenCache } from "./token-cache.ts";

const DAY = 86_400;
/** Browsers cap cookie lifetimes at 400 days. */
export const MAX_COOKIE_AGE = 400 * DAY;

/** `T`, but not a place to infer `T` from: `Data` comes from `schema` (TypeScript 5.4's `NoInfer`). */
type Later<T> = [T][T extends unknown ? 0 : never];

/**
 * A session manager's options. `Data` is the session data's type: inferred from `schema` when there
 * is one (`createSessions({ schema })`), else given as `createSessions<Data>(…)`.
 */
export interface SessionsOptions<Data extends object = Record<string, unknown>> {
  /**
   * Secrets, newest first, each at least 32 characters: a list, one string, or a comma-separated
   * string (as an environment variable holds them; a secret in it cannot contain a comma). The first
   * seals and must not be predictable (`generateSecret()` makes one); all unseal, and a predictable
   * older one only draws a warning.
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
  /**
   * A session registry (see docs/registry.md): every logged-in session is registered at login and
   * checked on its requests (each `checkEvery` seconds), so users and admins can list and end
   * sessions, and an ended one is refused at once. A registered session whose entry is gone is
   * `revoked`. With a registry, logged-in sessions are checked against it rather than `revocation`.
   */
  readonly registry?: RegistryStore | RegistryOptions;
  /**
   * A server-side store for session data (see docs/store.md): a session's data moves there when it
   * outgrows the cookie (`mode: "auto"`), always (`"always"`), or when `session.moveToStore()` asks; the
   * cookie then keeps only a small sealed pointer, and each commit sends a patch of what changed.
   */
  readonly store?: DataStore | StoreOptions;
  /**
   * A Standard Schema (zod, valibot, arktype, …) for the session data; `Data` is inferred from it.
   * Data that fails it on load is reset (to `initialData`) while the session — id, user, expiry —
   * stays, with `invalidReason` `"invalid_data"`: a stricter schema logs nobody out. Data that fails
   * it at `commit` throws `DataError` (code `invalid_data`) naming the failing path. The empty object
   * must pass, or supply `initialData`. See docs/safe-flows.md.
   */
  readonly schema?: StandardSchemaV1<unknown, Data>;
  /**
   * The data a new session starts with (and what invalid data is reset to). Called once, at
   * start-up; each new session gets a copy. Default `{}` (or, with a `schema`, its output for `{}`).
   */
  readonly initialData?: () => Later<Data>;
  /**
   * The version of the data's shape, a whole number (default 0). A cookie or store record written
   * under an older version is upgraded by `migrate` on load and re-sealed; one from a *newer*
   * version (a rolling deploy, a rollback) loads read-only and keeps its cookie.
   */
  readonly dataVersion?: number;
  /**
   * Upgrades data by one version: called with data of `fromVersion`, it returns the data of
   * `fromVersion + 1` (it may be async). A cookie two versions behind gets two calls. Data it throws
   * on is reset, as data that fails the schema is (`invalid_data`).
   */
  readonly migrate?: (data: Record<string, unknown>, fromVersion: number) => object | Promise<object>;
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

/** What the load and commit steps share: the checked options and the manager's state. */
export interface ManagerState {
  readonly keyring: Keyring;
  /** The cookie written, with its keys' bindings; `previous` are the names read when it is absent. */
  readonly current: CookieBinding;
  readonly previous: readonly CookieBinding[];
  /** HKDF info of this cookie's CSRF-token key. */
  readonly csrfInfo: string;
  /** The data schema, when one is configured (see `SessionsOptions.schema`). */
  readonly schema: StandardSchemaV1 | undefined;
  /** The data version this manager writes; `migrate` upgrades older data one version a call. */
  readonly dataVersion: number;
  readonly migrate: SessionsOptions["migrate"];
  /** What `commit` compares a new session's data and flash with (its initial data, unchanged). */
  readonly initialSnapshot: string;
  /** With an async schema: the start-up check of the initial data, awaited by the first load. */
  initialCheck: Promise<void> | undefined;
  /** Opened tokens whose data passed the schema (or that this manager sealed): not validated again. */
  readonly validated: WeakSet<Opened>;
  /** The format written; `read` lists every format accepted. */
  readonly write: Format;
  readonly read: readonly Format[];
  readonly cookie: ResolvedCookie;
  readonly context: SessionContext;
  /** Seconds. */
  readonly refreshAfter: number;
  readonly toleranceMs: number;
  /** HKDF info of this cookie's `jwe` key. */
  readonly jweInfo: string;
  /** HKDF info of this cookie's iron password (see `IronBinding`). */
  readonly ironInfo: string;
  /** Iron passwords to try on load: this cookie's, then (legacy, adoption) the raw secret. */
  readonly ironBound: readonly IronBinding[];
  readonly ironBoundOrRaw: readonly IronBinding[];
  readonly ironSuffix: string;
  readonly adoptIronSessions: boolean;
  /** Last ms at which unbound (0.1) iron session cookies are read. */
  readonly legacyIronUntil: number;
  readonly revocation: ResolvedRevocation | undefined;
  /** With the registry's manager-side code, which comes with the backend (see lib/feature.ts). */
  readonly registry: (ResolvedRegistry & { readonly feature: RegistryFeature }) | undefined;
  readonly store: (ResolvedStore & { readonly feature: StoreFeature }) | undefined;
  /** Session ids the registry said were live, with when (ms): reused for `checkEvery`. */
  readonly registryChecked: Lru<string, number>;
  readonly caching: CachePolicy;
  readonly onInvalid: SessionsOptions["onInvalid"];
  readonly onLargeCookie: SessionsOptions["onLargeCookie"];
  /** Tokens this manager verified or sealed (see `TokenCache`). */
  readonly tokens: TokenCache;
  /** Bearer tokens, when the `tokens` option is set. */
  readonly bearer: Tokens | undefined;
  /** The newest user cutoff this manager wrote (ms): ids issued later get a strictly later issuedAt. */
  lastCutoff: number;
}

/** One cookie name and the key bindings derived from it: a cookie's name is bound into its seal. */
export interface CookieBinding {
  readonly cookie: ResolvedCookie;
  /** HKDF info of the `jwe` key. */
  readonly jweInfo: string;
  /** HKDF info of the iron password (see `IronBinding`), for sealing. */
  readonly ironInfo: string;
  /** Iron passwords to try on load: this name's, then (legacy, adoption) the raw secret. */
  readonly ironBound: readonly IronBinding[];
  readonly ironBoundOrRaw: readonly IronBinding[];
}

function bindingOf(cookie: ResolvedCookie): CookieBinding {
  const ironInfo = `sealed-session/v1 iron cookie:${cookie.name}`;
  return {
    cookie,
    jweInfo: `sealed-session/v1 cookie:${cookie.name}`,
    ironInfo,
    ironBound: [ironInfo],
    ironBoundOrRaw: [ironInfo, undefined],
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The first failing path of a schema's issues, as plain keys, and a printable form of it. */
export function issuePath(issues: readonly StandardSchemaV1.Issue[]): {
  path: PropertyKey[];
  text: string;
} {
  const path = (issues[0]?.path ?? []).map((segment) =>
    typeof segment === "object" && segment !== null ? segment.key : segment,
  );
  const text = path.length === 0 ? "(the data itself)" : path.map((key) => String(key)).join(".");
  return { path, text };
}

/** `schema`, `initialData`, `dataVersion` and `migrate`. */
function dataOf(options: SessionsOptions<object>) {
  const { schema, migrate } = options;
  if (
    schema !== undefined &&
    (typeof schema !== "object" ||
      schema === null ||
      typeof schema["~standard"] !== "object" ||
      typeof schema["~standard"]?.validate !== "function")
  ) {
    throw new ConfigError(
      "`schema` must be a Standard Schema (zod, valibot, arktype, … — an object with `~standard.validate`)",
    );
  }
  if (options.initialData !== undefined && typeof options.initialData !== "function") {
    throw new ConfigError("`initialData` must be a function returning the data a new session starts with");
  }
  const dataVersion = options.dataVersion ?? 0;
  if (!Number.isInteger(dataVersion) || dataVersion < 0 || dataVersion > 1_000_000) {
    throw new ConfigError("`dataVersion` must be a whole number from 0");
  }
  if (migrate !== undefined && typeof migrate !== "function") {
    throw new ConfigError("`migrate` must be a function (data, fromVersion) => data of fromVersion + 1");
  }
  if (dataVersion > 0 && migrate === undefined) {
    throw new ConfigError(
      "`dataVersion` needs `migrate(data, fromVersion)`, which upgrades older cookies' data one version a call",
    );
  }
  const initial: unknown = options.initialData ? options.initialData() : {};
  if (!isPlainObject(initial)) throw new ConfigError("`initialData()` must return a plain object");
  try {
    toJson(initial, "initialData()");
  } catch (error) {
    const why = (error as Error).message.replace(/^sealed-session: /, "");
    throw new ConfigError(`\`initialData()\` must return plain JSON: ${why}`);
  }
  let initialJson = JSON.stringify(initial);
  let initialCheck: Promise<void> | undefined;
  if (schema) {
    const accept = (result: StandardSchemaV1.Result<unknown>) => {
      if (result.issues) {
        throw new ConfigError(
          `\`schema\` rejects the data a new session starts with (${options.initialData ? "initialData()" : "{}"}) at ${issuePath(result.issues).text}: ` +
            "supply an `initialData()` that passes it, or make those fields optional",
        );
      }
      // Without initialData, a new session starts from the schema's output for {} (its defaults).
      if (!options.initialData && isPlainObject(result.value))
        initialJson = toJson(result.value, "schema output");
    };
    const result = schema["~standard"].validate(initial);
    if (result instanceof Promise) {
      initialCheck = result.then(accept);
      // Handled here too, so a rejection before the first load is no unhandled one; that load throws it.
      initialCheck.catch(() => {});
    } else accept(result);
  }
  return { schema, dataVersion, migrate, initialJson: () => initialJson, initialCheck };
}

function seconds(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`\`${name}\` must be whole seconds from 1 to ${max}, not ${String(value)}`);
  }
  return value;
}

/** `format`: the first is written, all are read. */
function formatsOf(option: SessionsOptions["format"]): readonly Format[] {
  const formats = option === undefined ? ["jwe" as const] : typeof option === "string" ? [option] : option;
  if (
    !Array.isArray(formats) ||
    formats.length === 0 ||
    formats.some((format) => !FORMATS.includes(format)) ||
    new Set(formats).size !== formats.length
  ) {
    throw new ConfigError(
      '`format` must be "jwe", "iron", or a list of them without repeats (the first is written)',
    );
  }
  return formats;
}

/** `maxAge`, `idleTimeout`, `refreshAfter` and `clockTolerance`, in seconds. */
function lifetimesOf(options: SessionsOptions<object>) {
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
  return { maxAge, idleTimeout, refreshAfter, toleranceMs: tolerance * 1000 };
}

/** `ironSuffix`, `adoptIronSessions` and `acceptLegacyIron`. */
function ironOf(options: SessionsOptions<object>, formats: readonly Format[]) {
  if (options.ironSuffix !== undefined && !/^~\d{1,3}$/.test(options.ironSuffix)) {
    throw new ConfigError('`ironSuffix` must look like "~2" (what iron-session v8 expects)');
  }
  const adoptIronSessions = options.adoptIronSessions ?? false;
  if (adoptIronSessions && !formats.includes("iron")) {
    throw new ConfigError(
      '`adoptIronSessions` reads iron-session cookies: add "iron" to `format`, e.g. ["jwe", "iron"]',
    );
  }
  return {
    ironSuffix: options.ironSuffix ?? "",
    adoptIronSessions,
    legacyIronUntil: legacyDeadline(options.acceptLegacyIron ?? true, "acceptLegacyIron"),
  };
}

/** The `registry` option, resolved by the code its backend carries. */
function registryOf(option: SessionsOptions["registry"]): ManagerState["registry"] {
  if (option === undefined) return undefined;
  const feature = featureOf(option);
  if (feature?.kind === "store") {
    throw new ConfigError(
      "`registry` was given a data store (memoryStore(), kvStore(), redisStore(), …): pass it as `store`; " +
        "a registry is memoryRegistry(), durableObjectRegistry(), redisRegistry() or denoKvRegistry()",
    );
  }
  if (feature === undefined) {
    throw new ConfigError(
      "`registry` must be a registry backend of this library (memoryRegistry(), durableObjectRegistry(), " +
        "redisRegistry(), denoKvRegistry()) or { store, ...options } with one; wrap a backend of your own " +
        "in registryStore() from sealed-session/registry",
    );
  }
  const registry = feature as RegistryFeature;
  return { ...registry.resolve(option)!, feature: registry };
}

/** The `store` option, resolved by the code its backend carries. */
function storeOf(option: SessionsOptions["store"], warnAt: number): ManagerState["store"] {
  if (option === undefined) return undefined;
  const feature = featureOf(option);
  if (feature?.kind === "registry") {
    throw new ConfigError(
      "`store` was given a session registry (memoryRegistry(), redisRegistry(), …): pass it as `registry`; " +
        "a data store is memoryStore(), kvStore(), durableObjectStore(), redisStore() or denoKvStore()",
    );
  }
  if (feature === undefined) {
    throw new ConfigError(
      "`store` must be a data store of this library (memoryStore(), kvStore(), durableObjectStore(), " +
        "redisStore(), denoKvStore()) or { store, ...options } with one; wrap a store of your own in " +
        "dataStore() from sealed-session/store",
    );
  }
  const store = feature as StoreFeature;
  return { ...store.resolve(option, warnAt)!, feature: store };
}

/** Checks every option and builds a manager's state. Throws `ConfigError` on anything that cannot work. */
export function configure(options: SessionsOptions<object>): ManagerState {
  if (typeof options !== "object" || options === null)
    throw new ConfigError("createSessions(options) needs an options object");
  const keyring = new Keyring(parseSecrets(options.secrets));
  const formats = formatsOf(options.format);
  const { maxAge, idleTimeout, refreshAfter, toleranceMs } = lifetimesOf(options);
  const cookie = resolveCookie(options.cookie);
  const iron = ironOf(options, formats);
  const revocation = resolveRevocation(options.revocation);
  const registry = registryOf(options.registry);
  const store = storeOf(options.store, cookie.warnAt);
  const caching = cachePolicy(options.cacheControl);
  const data = dataOf(options);
  if (options.tokens !== undefined && typeof options.tokens?.create !== "function") {
    throw new ConfigError("`tokens` must come from sessionTokens({ issuer, audience, ... })");
  }
  const now = options.now ?? Date.now;
  const current = bindingOf(cookie);
  // Created through the option itself, so an app without tokens bundles no token code. With a
  // registry and no revocation store, tokens are checked against the registry: logout ends them too.
  const bearer = options.tokens?.create(
    options.tokens.options,
    registry && options.revocation === undefined
      ? {
          ...options,
          revocation: {
            store: registry.feature.revocation(registry, now),
            timeout: registry.timeout,
            onStoreError: (event) => registry.report({ ...event, operation: "check" }),
          },
        }
      : options,
  );
  const state: ManagerState = {
    keyring,
    write: formats[0]!,
    read: formats,
    cookie,
    context: {
      now,
      // After the last cutoff this manager wrote, so a login right after "log out everywhere" survives it.
      issueTime: () => Math.max(now(), state.lastCutoff + 1),
      maxAge,
      idleTimeout,
      persistent: options.persistent ?? true,
      dataVersion: data.dataVersion,
      // Only when there is something other than {} to start from: the default costs no JSON.parse.
      initialData:
        data.initialJson() === "{}" && !data.initialCheck ? undefined : () => JSON.parse(data.initialJson()),
    },
    refreshAfter,
    toleranceMs,
    current,
    previous: cookie.previousNames.map((name) => bindingOf({ ...cookie, name })),
    csrfInfo: `sealed-session/v1 csrf cookie:${cookie.name}`,
    schema: data.schema as StandardSchemaV1 | undefined,
    dataVersion: data.dataVersion,
    migrate: data.migrate,
    get initialSnapshot() {
      return `${data.initialJson()}\u0000`;
    },
    initialCheck: data.initialCheck,
    validated: new WeakSet(),
    jweInfo: current.jweInfo,
    ironInfo: current.ironInfo,
    ironBound: current.ironBound,
    ironBoundOrRaw: current.ironBoundOrRaw,
    ...iron,
    revocation,
    registry,
    registryChecked: new Lru(10_000),
    store,
    caching,
    onInvalid: options.onInvalid,
    onLargeCookie: options.onLargeCookie,
    tokens: new TokenCache(),
    bearer,
    lastCutoff: Number.NEGATIVE_INFINITY,
  };
  return state;
}
