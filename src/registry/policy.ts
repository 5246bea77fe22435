/**
 * The registry options, checked once at start-up, and how the manager talks to the backend: a
 * deadline on every call and the failure policy (shared with revocation, see revocation/policy.ts).
 */
import { ConfigError } from "../errors.ts";
import { reporter } from "../revocation/policy.ts";
import type { FailurePolicy, RevocationStore } from "../revocation/types.ts";
import type { RegistryErrorEvent, RegistryOptions, RegistryStore } from "./types.ts";

export interface ResolvedRegistry {
  readonly store: RegistryStore;
  /** ms a "live" answer is reused in this isolate. */
  readonly checkEvery: number;
  readonly max: number;
  /** ms between `lastSeenAt` writes. */
  readonly touchAfter: number;
  readonly timeout: number;
  readonly retryDelay: number;
  readonly adoptUnregistered: boolean;
  readonly report: (event: RegistryErrorEvent) => FailurePolicy;
}

const METHODS = ["register", "adopt", "check", "rotate", "remove", "list", "end", "endAll"] as const;

const isRegistryStore = (value: unknown): value is RegistryStore =>
  typeof value === "object" &&
  value !== null &&
  METHODS.every((method) => typeof (value as Record<string, unknown>)[method] === "function");

function whole(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`\`registry.${name}\` must be a whole number from ${min} to ${max}`);
  }
  return value;
}

export function resolveRegistry(
  input: RegistryStore | RegistryOptions | undefined,
): ResolvedRegistry | undefined {
  if (input === undefined) return undefined;
  const options: RegistryOptions = isRegistryStore(input) ? { store: input } : input;
  if (!isRegistryStore(options?.store)) {
    throw new ConfigError(
      `\`registry\` must be a registry (${METHODS.join(", ")}) or { store, ...options }: e.g. memoryRegistry(), ` +
        "or durableObjectRegistry(env.SESSION_REGISTRY, { namingKey }) from sealed-session/cloudflare",
    );
  }
  const onStoreError = options.onStoreError ?? "closed";
  if (onStoreError !== "closed" && onStoreError !== "open" && typeof onStoreError !== "function") {
    throw new ConfigError('`registry.onStoreError` must be "closed", "open" or a function');
  }
  return {
    store: options.store,
    checkEvery: whole("checkEvery", options.checkEvery, 0, 0, 3600) * 1000,
    max: whole("maxSessionsPerUser", options.maxSessionsPerUser, 10, 1, 1000),
    touchAfter: whole("touchEvery", options.touchEvery, 300, 0, 86_400) * 1000,
    timeout: whole("timeout", options.timeout, 2000, 1, 60_000),
    retryDelay: 1100,
    adoptUnregistered: options.adoptUnregistered ?? true,
    report: reporter<RegistryErrorEvent>("session registry", onStoreError),
  };
}

/**
 * The registry seen as a revocation store, for what asks a revocation store (bearer tokens'
 * `sid`, `revokeUser`): a logged-in session is revoked when its entry is gone. Anonymous sessions
 * are never registered, so never revoked here.
 */
export function registryRevocation(registry: ResolvedRegistry, now: () => number): RevocationStore {
  const { store } = registry;
  return {
    async isRevoked({ sessionId, userId }) {
      if (userId === undefined) return false;
      return (await store.check(userId, sessionId, { now: now(), touchAfter: registry.touchAfter })) === null;
    },
    async revokeSession({ sessionId, userId, until }) {
      if (userId !== undefined) await store.remove(userId, sessionId, { now: now(), expiresAt: until });
    },
    async revokeUser({ userId }) {
      await store.endAll(userId, { now: now() });
    },
  };
}
