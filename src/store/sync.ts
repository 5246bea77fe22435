/**
 * Commit steps for the server-side store. `planStore` (before any store call) decides whether a
 * cookie-only session moves to the store now — it outgrew `spillAt`, the mode is `"always"`, or
 * `moveToStore()` asked — and gives it a new id and a record key: moving is one-way, and a copy of the
 * cookie from before the move must not fork the session. `syncStore` then writes: creates the record,
 * or sends a patch of what this request changed (moving the record to a new id in the same step after
 * `login`/`regenerate`), or extends its life on an idle refresh. Nothing is written for an unchanged
 * session. A failed write throws before any cookie is set: the browser keeps its previous cookie.
 */
import { StoreConflictError, StoreWriteError } from "../errors.ts";
import { randomId } from "../lib/bytes.ts";
import {
  failureKind,
  RevocationWriteError,
  type WaitUntil,
  withTimeout,
  writeOnce,
} from "../revocation/policy.ts";
import { cookieBytes } from "../session/commit/seal.ts";
import type { ManagerState } from "../session/config.ts";
import { encodeEnvelope } from "../session/envelope.ts";
import type { Session } from "../session/session.ts";
import { diff } from "./patch.ts";
import type { ResolvedStore } from "./policy.ts";
import type { PatchOutcome, StoredRecord } from "./types.ts";

export interface StoreSync {
  /** The record is gone or moved on: the session is over, clear its cookie. */
  readonly ended: boolean;
  /** An idle refresh the store could not record: leave the cookie as it is. */
  readonly leave: boolean;
}

const SYNCED: StoreSync = Object.freeze({ ended: false, leave: false });

/** Moves a cookie-only session to the store when it must (see above). No I/O. */
export function planStore(
  state: ManagerState,
  session: Session<object, object>,
  dataJson: string,
  flashJson: string | undefined,
): void {
  const store = state.store;
  const envelope = session._envelope;
  if (!store || envelope.store !== undefined) return;
  const spill =
    session._pinned ||
    (store.mode === "always" && dataJson !== "{}") ||
    (store.mode === "auto" &&
      cookieBytes(state, encodeEnvelope(envelope, dataJson, flashJson)) > store.spillAt);
  if (!spill) return;
  session._rekey();
  session._envelope.store = randomId(); // never derived from the session id
  session._storeOwner = undefined;
  session._storeBase = undefined;
  session._storeExpiresAt = undefined;
  session._storeVersion = undefined;
}

/** The record as this request read it (or last wrote it), when known: a hint for the store's write. */
function recordAsRead(session: Session<object, object>, owner: string): StoredRecord | undefined {
  const { _storeBase: data, _storeExpiresAt: expiresAt, _storeVersion: version } = session;
  return data === undefined || expiresAt === undefined
    ? undefined
    : { sessionId: owner, data, expiresAt, version };
}

/** Writes this request's change to the store. Throws `StoreWriteError` or `StoreConflictError`. */
export async function syncStore(
  state: ManagerState,
  session: Session<object, object>,
  dataJson: string,
  now: number,
): Promise<StoreSync> {
  const store = state.store;
  const envelope = session._envelope;
  const key = envelope.store;
  if (!store || key === undefined) return SYNCED;
  const expiresAt = recordExpiry(state, session, now);
  const owner = session._storeOwner;
  if (owner === undefined) {
    // A new record: this session just moved here.
    const outcome = await write(store, "create", () =>
      store.store.create(
        key,
        { sessionId: envelope.id, data: dataJson, expiresAt },
        { now, maxBytes: store.maxBytes },
      ),
    );
    check(store, outcome);
  } else if (owner !== envelope.id || dataJson !== session._storeBase) {
    const base = JSON.parse(session._storeBase ?? "{}") as Record<string, never>;
    const patch = diff(base, JSON.parse(dataJson), store.conflicts === "error");
    const outcome = await write(store, "patch", () =>
      store.store.patch(
        key,
        {
          sessionId: owner,
          patch,
          moveTo: owner === envelope.id ? undefined : envelope.id,
          expiresAt,
          base: recordAsRead(session, owner),
        },
        { now, maxBytes: store.maxBytes },
      ),
    );
    if (!outcome.ok && (outcome.reason === "missing" || outcome.reason === "moved"))
      return { ended: true, leave: false };
    check(store, outcome);
  } else {
    // Unchanged: only its life is extended, as the cookie's is.
    let touched: boolean;
    try {
      const base = recordAsRead(session, owner);
      touched = await withTimeout(
        () => store.store.touch(key, owner, { now, expiresAt, base }),
        store.timeout,
      );
    } catch (error) {
      store.report({ operation: "touch", kind: failureKind(error), error, retry: false });
      return { ended: false, leave: true };
    }
    if (!touched) return { ended: true, leave: false };
  }
  session._storeOwner = envelope.id;
  session._storeBase = dataJson;
  // A touch that did not extend the record leaves its expiry as it was: then the next base is a guess
  // that fails its comparison, and the store reads the record instead.
  session._storeExpiresAt = expiresAt;
  session._storeVersion = undefined;
  return SYNCED;
}

/** Deletes a destroyed session's record; on failure reports it, retries once via `waitUntil`, returns the error. */
export async function deleteStored(
  state: ManagerState,
  session: Session<object, object>,
  now: number,
  waitUntil: WaitUntil | undefined,
): Promise<RevocationWriteError | undefined> {
  const store = state.store;
  const key = session._envelope.store;
  if (!store || key === undefined || session._storeOwner === undefined) return undefined;
  const failed = await writeOnce(store, "delete", () => store.store.delete(key, { now }), waitUntil);
  return failed && new RevocationWriteError("revokeSession", failed.retry, failed.error);
}

/** The record lives as long as the session could: its absolute expiry, or its idle deadline if sooner. */
function recordExpiry(state: ManagerState, session: Session<object, object>, now: number): number {
  const idle = state.context.idleTimeout;
  const deadline = idle === undefined ? session.expiresAt : Math.min(session.expiresAt, now + idle * 1000);
  return deadline + state.toleranceMs;
}

async function write(
  store: ResolvedStore,
  operation: "create" | "patch",
  run: () => Promise<PatchOutcome>,
): Promise<PatchOutcome> {
  try {
    return await withTimeout(run, store.timeout);
  } catch (error) {
    store.report({ operation, kind: failureKind(error), error, retry: false });
    throw new StoreWriteError(error);
  }
}

function check(store: ResolvedStore, outcome: PatchOutcome): void {
  if (outcome.ok) return;
  if (outcome.reason === "conflict") throw new StoreConflictError(outcome.paths);
  if (outcome.reason === "too_large") {
    throw new StoreWriteError(undefined, { bytes: outcome.bytes, limit: store.maxBytes });
  }
  // A record that vanished while being created: nothing sensible to write.
  throw new StoreWriteError(new Error(`the store answered ${outcome.reason}`));
}
