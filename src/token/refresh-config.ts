/**
 * The `refresh` option of `sessionTokens`, checked once, at `createSessions`: what backs one-time use
 * (a registry with `advance`, or — only when the app says so — a revocation store alone), lifetimes,
 * and the purpose-bound key refresh tokens are sealed under.
 */
import { ConfigError } from "../errors.ts";
import { cleanLabel } from "../registry/label.ts";
import type { RefreshOptions } from "./types.ts";

const DAY = 86_400;
const MAX_AGE = 400 * DAY;
const MAX_REUSE_INTERVAL = 10;

export interface ResolvedRefresh {
  /** `"registry"`: families are registry sessions, exchanged atomically. `"revocation"`: best effort. */
  readonly mode: "registry" | "revocation";
  /** Seconds. */
  readonly maxAge: number;
  /** ms. */
  readonly reuseInterval: number;
  readonly reuseEndsParent: boolean;
  readonly label: string;
  /**
   * HKDF info of refresh tokens' key: its own word after the version, so a refresh token never opens
   * as a cookie (`cookie:`), a bearer token (`bearer:`) or a `seal()`ed value (`seal:`), nor they as it;
   * bound to the audience, so one API's refresh tokens are nothing to another's.
   */
  readonly info: string;
}

/** What the sessions' options say about state: only presence matters here. */
export interface RefreshBacking {
  readonly registry: unknown;
  readonly revocation: unknown;
  readonly maxAge: number | undefined;
}

const DOCS = "see docs/refresh-tokens.md";

export function resolveRefresh(
  option: RefreshOptions | boolean | undefined,
  audience: string,
  backing: RefreshBacking,
): ResolvedRefresh | undefined {
  if (option === undefined || option === false) return undefined;
  if (option !== true && (typeof option !== "object" || option === null)) {
    throw new ConfigError("`refresh` must be true or an options object");
  }
  const options: RefreshOptions = option === true ? {} : option;
  const registry = backing.registry as { store?: unknown; advance?: unknown } | undefined;
  let mode: ResolvedRefresh["mode"];
  if (registry !== undefined && registry !== null) {
    const store = (typeof registry.advance === "function" ? registry : registry.store) as
      | { advance?: unknown }
      | undefined;
    if (typeof store?.advance !== "function") {
      throw new ConfigError(
        "refresh tokens need a registry backend with `advance` (an atomic exchange); this one has none: " +
          "use memoryRegistry() or durableObjectRegistry() of this release, or a backend that implements it",
      );
    }
    mode = "registry";
  } else if (backing.revocation === undefined) {
    throw new ConfigError(
      "refresh tokens need state to be one-time: a `registry` in createSessions(options) (e.g. " +
        `durableObjectRegistry(env.SESSION_REGISTRY, { namingKey })); ${DOCS}`,
    );
  } else if (options.bestEffort !== true) {
    throw new ConfigError(
      "refresh tokens need a `registry` in createSessions(options): a revocation store alone (Workers KV) " +
        "cannot make a refresh token one-time (reads are cached, writes take 60 s or more to spread), so " +
        "a stolen one could be used alongside its owner. Add a registry, or accept that with " +
        `\`refresh: { bestEffort: true }\`; ${DOCS}`,
    );
  } else {
    mode = "revocation";
  }
  const sessionsMaxAge = backing.maxAge ?? 14 * DAY;
  const maxAge = options.maxAge ?? Math.min(sessionsMaxAge, MAX_AGE);
  if (!(Number.isInteger(maxAge) && maxAge >= 60 && maxAge <= MAX_AGE)) {
    throw new ConfigError(`\`refresh.maxAge\` must be whole seconds from 60 to ${MAX_AGE} (400 days)`);
  }
  const reuseInterval = options.reuseInterval ?? 0;
  if (!(Number.isInteger(reuseInterval) && reuseInterval >= 0 && reuseInterval <= MAX_REUSE_INTERVAL)) {
    throw new ConfigError(
      `\`refresh.reuseInterval\` must be whole seconds from 0 to ${MAX_REUSE_INTERVAL} (0, the default, allows no reuse)`,
    );
  }
  if (reuseInterval > 0 && mode === "revocation") {
    throw new ConfigError(
      "`refresh.reuseInterval` needs a `registry`: only an atomic exchange can tell an unused successor",
    );
  }
  const reuseEndsParent = options.reuseEndsParent ?? true;
  if (typeof reuseEndsParent !== "boolean")
    throw new ConfigError("`refresh.reuseEndsParent` must be a boolean");
  const label = options.label ?? "App";
  if (typeof label !== "string" || cleanLabel(label) === "") {
    throw new ConfigError("`refresh.label` must be a non-empty string (at most 64 characters are kept)");
  }
  return {
    mode,
    maxAge,
    reuseInterval: reuseInterval * 1000,
    reuseEndsParent,
    label: cleanLabel(label),
    info: `sealed-session/v1 refresh:${audience}`,
  };
}
