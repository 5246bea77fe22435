/**
 * Commit step 2a, with a registry: tell it what this request did to the session, before any cookie
 * is written. A login registers the new id (atomically ending the user's oldest sessions beyond the
 * cap); if that fails the session is not logged in and `commit` throws `LoginUnavailableError`, so no
 * cookie says otherwise. `regenerate()` moves the entry to the new id (same handle). Ended ids
 * (logout, a login over a session) are removed; a failed removal is reported, retried through
 * `waitUntil`, and returned, like a failed revocation write — the cookie is cleared anyway.
 */
import { LoginUnavailableError } from "../errors.ts";
import { randomId } from "../lib/bytes.ts";
import {
  failureKind,
  RevocationWriteError,
  type WaitUntil,
  withTimeout,
  writeOnce,
} from "../revocation/policy.ts";
import type { ManagerState } from "../session/config.ts";
import { FLAG_REGISTERED } from "../session/envelope.ts";
import type { EndedSession, Session } from "../session/session.ts";
import { cleanLabel, labelFromUserAgent } from "./label.ts";
import type { ResolvedRegistry } from "./policy.ts";

export interface RegistrySync {
  /** The session's entry was ended elsewhere during this request: clear its cookie instead. */
  readonly ended: boolean;
  /** The first failed removal, if any. */
  readonly error: RevocationWriteError | undefined;
}

const SYNCED: RegistrySync = Object.freeze({ ended: false, error: undefined });

/** Throws `LoginUnavailableError` when a login or regenerate cannot be recorded. */
export async function syncRegistry(
  state: ManagerState,
  session: Session<object, object>,
  ended: readonly EndedSession[],
  now: number,
  waitUntil: WaitUntil | undefined,
): Promise<RegistrySync> {
  const registry = state.registry;
  if (!registry) return SYNCED;
  const envelope = session._envelope;
  const userId = envelope.userId;
  let keep: string | undefined;
  if (!session._destroyed && userId !== null) {
    if (session._loggedIn || session._registeredId === undefined) {
      await register(state, registry, session, userId, now);
    } else if (session._registeredId !== envelope.id) {
      const from = session._registeredId;
      let moved: boolean;
      try {
        moved = await withTimeout(
          () => registry.store.rotate(userId, from, envelope.id, { now }),
          registry.timeout,
        );
      } catch (error) {
        registry.report({ operation: "rotate", kind: failureKind(error), error, retry: false });
        throw new LoginUnavailableError(error);
      }
      state.registryChecked.delete(from);
      if (!moved) return { ended: true, error: undefined };
      session._registeredId = envelope.id;
      if (registry.checkEvery > 0) state.registryChecked.set(envelope.id, now);
      keep = from;
    }
  }
  let error: RevocationWriteError | undefined;
  for (const old of ended) {
    // The id `rotate` moved is not ended; anonymous ids were never registered.
    if (old.userId === null || old.id === keep) continue;
    state.registryChecked.delete(old.id);
    // A logout also ends the refresh-token families issued from the session; a login replacing it does not.
    const failed = await removeEntry(state, registry, old, now, waitUntil, session._destroyed);
    error ??= failed;
  }
  return error === undefined ? SYNCED : { ended: false, error };
}

async function register(
  state: ManagerState,
  registry: ResolvedRegistry,
  session: Session<object, object>,
  userId: string,
  now: number,
): Promise<void> {
  const envelope = session._envelope;
  const entry = {
    handle: randomId(), // never derived from the session id
    sessionId: envelope.id,
    createdAt: now,
    expiresAt: session.expiresAt,
    label: session._label !== undefined ? cleanLabel(session._label) : labelFromUserAgent(session._userAgent),
    kind: "cookie",
  };
  let ended: readonly string[];
  try {
    ({ ended } = await withTimeout(
      () => registry.store.register(userId, entry, { max: registry.max, now }),
      registry.timeout,
    ));
  } catch (error) {
    registry.report({ operation: "register", kind: failureKind(error), error, retry: false });
    throw new LoginUnavailableError(error);
  }
  for (const id of ended) state.registryChecked.delete(id);
  envelope.flags |= FLAG_REGISTERED;
  session._registeredId = envelope.id;
  session._loggedIn = false;
  // Just registered: as good as a check for the next `checkEvery`.
  if (registry.checkEvery > 0) state.registryChecked.set(envelope.id, now);
}

/**
 * A session that ended during its own commit (its store record was gone or moved on) after this
 * commit registered or moved its entry: that entry is removed, so it neither lists as a device nor
 * counts against the cap until it expires. Failures are reported (and retried once through
 * `waitUntil`), never thrown: the cookie is cleared either way.
 */
export async function dropRegistered(
  state: ManagerState,
  session: Session<object, object>,
  now: number,
  waitUntil: WaitUntil | undefined,
): Promise<void> {
  const registry = state.registry;
  const { id, userId } = session._envelope;
  if (!registry || userId === null || session._registeredId !== id) return;
  state.registryChecked.delete(id);
  await removeEntry(state, registry, { id, userId, expiresAt: session.expiresAt }, now, waitUntil, true);
}

/** Removes an ended id; on failure reports it, retries once through `waitUntil`, returns the typed error. */
async function removeEntry(
  state: ManagerState,
  registry: ResolvedRegistry,
  old: EndedSession,
  now: number,
  waitUntil: WaitUntil | undefined,
  children: boolean,
): Promise<RevocationWriteError | undefined> {
  const expiresAt = old.expiresAt + state.toleranceMs;
  const failed = await writeOnce(
    registry,
    "remove",
    () => registry.store.remove(old.userId!, old.id, { now, expiresAt, children }),
    waitUntil,
  );
  return failed && new RevocationWriteError("revokeSession", failed.retry, failed.error);
}
