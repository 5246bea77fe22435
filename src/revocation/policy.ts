/**
 * How the manager talks to a revocation store: a deadline on every call, the failure policy, and
 * rate-limited logging. Shared by every store, so a store stays a thin client wrapper.
 */
import { ConfigError, SessionError } from "../errors.ts";
import type { FailurePolicy, RevocationErrorEvent, RevocationOptions, RevocationStore } from "./types.ts";

/** A revocation could not be written. The local logout still happened: the cookie is cleared or replaced. */
export class RevocationWriteError extends SessionError {
  declare readonly code: "revocation_write_failed";
  /** Whether a retry was handed to `waitUntil`. */
  readonly retryScheduled: boolean;
  constructor(operation: "revokeSession" | "revokeUser", retryScheduled: boolean, cause: unknown) {
    super(
      "revocation_write_failed",
      `sealed-session: the revocation store failed to record ${operation === "revokeUser" ? "a user revocation" : "a revoked session"}` +
        (retryScheduled ? "; a retry is scheduled with waitUntil" : ""),
      { cause },
    );
    this.retryScheduled = retryScheduled;
  }
}

/**
 * A store's `isRevoked` cannot answer: more revocations awaited a successful write than it may keep
 * (`maxPending`), so it dropped one, and until that one would have expired any session might be it.
 * The manager applies its failure policy (default: `revocation_unavailable`, read-only).
 */
export class RevocationBacklogError extends SessionError {
  declare readonly code: "revocation_unavailable";
  constructor() {
    super(
      "revocation_unavailable",
      "sealed-session: too many revocations are waiting for the store to record them; " +
        "sessions cannot be checked until the dropped ones expire",
    );
  }
}

/** The store did not answer in time. */
export class RevocationTimeoutError extends Error {
  constructor(ms: number) {
    super(`sealed-session: revocation store did not answer within ${ms} ms`);
    this.name = "RevocationTimeoutError";
  }
}

export type WaitUntil = (promise: Promise<unknown>) => void;

export interface ResolvedRevocation {
  readonly store: RevocationStore;
  readonly timeout: number;
  readonly checkAnonymous: boolean;
  readonly retryDelay: number;
  /** Reports a failure; for checks, returns whether to accept the session anyway. */
  readonly report: (event: RevocationErrorEvent) => FailurePolicy;
}

const isStore = (value: unknown): value is RevocationStore =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as RevocationStore).isRevoked === "function" &&
  typeof (value as RevocationStore).revokeSession === "function" &&
  typeof (value as RevocationStore).revokeUser === "function";

export function resolveRevocation(
  input: RevocationStore | RevocationOptions | undefined,
): ResolvedRevocation | undefined {
  if (input === undefined) return undefined;
  const options: RevocationOptions = isStore(input) ? { store: input } : input;
  if (!isStore(options.store)) {
    throw new ConfigError(
      "`revocation` must be a store (isRevoked, revokeSession, revokeUser) or { store, ...options }",
    );
  }
  const timeout = options.timeout ?? 2000;
  if (!(Number.isFinite(timeout) && timeout > 0))
    throw new ConfigError("`revocation.timeout` must be ms above 0");
  const retryDelay = options.retryDelay ?? 1100;
  if (!(Number.isFinite(retryDelay) && retryDelay >= 0))
    throw new ConfigError("`revocation.retryDelay` must be ms from 0");
  const onStoreError = options.onStoreError ?? "closed";
  if (onStoreError !== "closed" && onStoreError !== "open" && typeof onStoreError !== "function") {
    throw new ConfigError('`revocation.onStoreError` must be "closed", "open" or a function');
  }
  const report = reporter<RevocationErrorEvent>("revocation store", onStoreError);
  return {
    store: options.store,
    timeout,
    checkAnonymous: options.checkAnonymous ?? false,
    retryDelay,
    report,
  };
}

/** Settles with the store's answer, or rejects with a timeout; never leaves a timer behind. */
export function withTimeout<T>(start: () => Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RevocationTimeoutError(ms)), ms);
  });
  let call: Promise<T>;
  try {
    call = start();
  } catch (error) {
    call = Promise.reject(error);
  }
  return Promise.race([call, deadline]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

export const failureKind = (error: unknown): "error" | "timeout" =>
  error instanceof RevocationTimeoutError ? "timeout" : "error";

/** How one store takes its writes: its deadline, its retry delay, and where failures are reported. */
export interface WritePolicy<Operation extends string> {
  readonly timeout: number;
  readonly retryDelay: number;
  readonly report: (event: {
    operation: Operation;
    kind: "error" | "timeout";
    error: unknown;
    retry: boolean;
  }) => unknown;
}

/**
 * Runs a write that a response does not wait on to be correct (a revocation, a registry removal, a
 * record's deletion: the cookie is cleared or replaced anyway). Under the store's deadline; on failure
 * it reports, hands one retry to `waitUntil` when there is one, and returns the error instead of
 * throwing — `commit` must never turn a store outage into a 500.
 */
export async function writeOnce<Operation extends string>(
  policy: WritePolicy<Operation>,
  operation: Operation,
  run: () => Promise<unknown>,
  waitUntil: WaitUntil | undefined,
): Promise<{ error: unknown; retry: boolean } | undefined> {
  const { timeout, retryDelay, report } = policy;
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
    return { error, retry };
  }
}

// Module-level so managers created per request (common on Workers) share one budget per isolate.
const LOG_INTERVAL = 60_000;
let lastLog = Number.NEGATIVE_INFINITY;
let suppressed = 0;

/** A failure of a store call, as every store's `onStoreError` sees it. */
interface FailureEvent {
  readonly operation: string;
  readonly kind: "error" | "timeout";
  readonly error: unknown;
  readonly retry: boolean;
}

/**
 * Turns an `onStoreError` option into the function the steps call on a failure: it logs (rate-limited,
 * without ids) or asks the app's callback, and says whether a failed *check* accepts the session.
 */
export function reporter<Event extends FailureEvent>(
  subject: string,
  onStoreError: FailurePolicy | ((event: Event) => FailurePolicy | unknown),
): (event: Event) => FailurePolicy {
  return (event) => {
    if (typeof onStoreError !== "function") {
      logFailure(subject, event, onStoreError);
      return onStoreError;
    }
    try {
      return onStoreError(event) === "open" ? "open" : "closed";
    } catch (error) {
      console.error("sealed-session: onStoreError threw", error);
      return "closed";
    }
  };
}

/** At most one line a minute; names the operation and error class only, never ids or messages. */
function logFailure(subject: string, event: FailureEvent, policy: FailurePolicy): void {
  const now = Date.now();
  if (now - lastLog < LOG_INTERVAL) {
    suppressed++;
    return;
  }
  lastLog = now;
  const what =
    event.kind === "timeout"
      ? "timed out"
      : `failed (${event.error instanceof Error ? event.error.name : typeof event.error})`;
  const outcome =
    event.operation === "check" || event.operation === "adopt"
      ? policy === "open"
        ? "session accepted (fail-open)"
        : "session treated as anonymous (fail-closed)"
      : event.retry
        ? "retry scheduled"
        : "not retried";
  const more = suppressed > 0 ? ` (${suppressed} more failures since the last report)` : "";
  suppressed = 0;
  console.warn(`sealed-session: ${subject} ${event.operation} ${what}; ${outcome}${more}`);
}
