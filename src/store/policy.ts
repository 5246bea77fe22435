/** The store options, checked once at start-up. */
import { ConfigError } from "../errors.ts";
import { reporter } from "../revocation/policy.ts";
import type { DataStore, StoreErrorEvent, StoreOptions } from "./types.ts";

export interface ResolvedStore {
  readonly store: DataStore;
  readonly mode: "auto" | "always";
  readonly spillAt: number;
  readonly maxBytes: number;
  readonly conflicts: "last-write-wins" | "error";
  readonly timeout: number;
  readonly retryDelay: number;
  readonly report: (event: StoreErrorEvent) => unknown;
}

const METHODS = ["get", "create", "patch", "touch", "delete"] as const;

const isDataStore = (value: unknown): value is DataStore =>
  typeof value === "object" &&
  value !== null &&
  METHODS.every((method) => typeof (value as Record<string, unknown>)[method] === "function");

export function resolveStore(
  input: DataStore | StoreOptions | undefined,
  warnAt: number,
): ResolvedStore | undefined {
  if (input === undefined) return undefined;
  const options: StoreOptions = isDataStore(input) ? { store: input } : input;
  if (!isDataStore(options?.store)) {
    throw new ConfigError(
      `\`store\` must be a data store (${METHODS.join(", ")}) or { store, ...options }: e.g. memoryStore() from ` +
        "sealed-session/store, or durableObjectStore(env.SESSION_DATA) from sealed-session/cloudflare",
    );
  }
  const mode = options.mode ?? "auto";
  if (mode !== "auto" && mode !== "always") throw new ConfigError('`store.mode` must be "auto" or "always"');
  const conflicts = options.conflicts ?? "last-write-wins";
  if (conflicts !== "last-write-wins" && conflicts !== "error") {
    throw new ConfigError('`store.conflicts` must be "last-write-wins" or "error"');
  }
  const whole = (name: string, value: unknown, fallback: number, min: number, max: number) => {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`\`store.${name}\` must be a whole number from ${min} to ${max}`);
    }
    return value;
  };
  const onStoreError = options.onStoreError ?? "closed";
  if (onStoreError !== "closed" && typeof onStoreError !== "function") {
    throw new ConfigError(
      '`store.onStoreError` must be "closed" or a function (a stored session cannot fail open)',
    );
  }
  return {
    store: options.store,
    mode,
    spillAt: whole("spillAt", options.spillAt, warnAt, 256, 36_864),
    maxBytes: whole("maxBytes", options.maxBytes, 65_536, 1024, 16 * 1024 * 1024),
    conflicts,
    timeout: whole("timeout", options.timeout, 2000, 1, 60_000),
    retryDelay: 1100,
    report: reporter<StoreErrorEvent>("data store", onStoreError === "closed" ? "closed" : onStoreError),
  };
}
