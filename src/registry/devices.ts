/**
 * What an app asks a registry for: a user's sessions ("your devices"), and ending them — one by
 * handle, every other one, or all (an admin, a disabled account, a password change). Ended ids stop
 * working on this isolate at once (its `checkEvery` memo forgets them) and everywhere within
 * `checkEvery`. Backend failures throw `RegistryUnavailableError`; nothing here is a user's input
 * gone wrong, so nothing is swallowed.
 */
import { ConfigError, RegistryUnavailableError } from "../errors.ts";
import { failureKind, withTimeout } from "../revocation/policy.ts";
import type { ManagerState } from "../session/config.ts";
import type { Session } from "../session/session.ts";
import type { ResolvedRegistry } from "./policy.ts";
import type { RegistryErrorEvent, SessionInfo } from "./types.ts";

/** A session (its user, and which entry is "current") or a user id (an admin's view). */
export type SessionsOf = Session<object, object> | string;

function registryOf(state: ManagerState, what: string): ResolvedRegistry {
  if (!state.registry) throw new ConfigError(`${what} needs a \`registry\` in createSessions(options)`);
  return state.registry;
}

function userOf(target: SessionsOf, what: string): { userId: string; current: string | undefined } {
  if (typeof target === "string") {
    if (target.length === 0) throw new TypeError(`sealed-session: ${what} needs a user id or a session`);
    return { userId: target, current: undefined };
  }
  const userId = target?.userId;
  if (userId === undefined)
    throw new TypeError(`sealed-session: ${what} needs a logged-in session (check session.userId)`);
  return { userId, current: target.id };
}

async function call<T>(
  registry: ResolvedRegistry,
  operation: RegistryErrorEvent["operation"],
  what: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await withTimeout(run, registry.timeout);
  } catch (error) {
    registry.report({ operation, kind: failureKind(error), error, retry: false });
    throw new RegistryUnavailableError(what, error);
  }
}

export async function listSessions(state: ManagerState, target: SessionsOf): Promise<SessionInfo[]> {
  const registry = registryOf(state, "listSessions()");
  const { userId, current } = userOf(target, "listSessions()");
  const now = state.context.now();
  const entries = await call(registry, "list", "list sessions", () => registry.store.list(userId, { now }));
  return entries.map((entry) => ({
    id: entry.handle,
    current: entry.sessionId === current,
    createdAt: entry.createdAt,
    lastSeenAt: entry.lastSeenAt,
    expiresAt: entry.expiresAt,
    label: entry.label,
    kind: entry.kind,
  }));
}

/** Ends the session with this handle, if it is one of this user's: `false` otherwise (answer 404). */
export async function endSession(state: ManagerState, target: SessionsOf, handle: string): Promise<boolean> {
  const registry = registryOf(state, "endSession()");
  const { userId } = userOf(target, "endSession()");
  if (typeof handle !== "string" || !/^[\w-]{1,64}$/.test(handle)) return false;
  const now = state.context.now();
  const ended = await call(registry, "end", "end a session", () =>
    registry.store.end(userId, handle, { now }),
  );
  if (ended === null) return false;
  state.registryChecked.delete(ended);
  return true;
}

/**
 * Ends every session of the user except `keep` (the asking session, for "log out other devices").
 * A login that reaches the registry after this survives it. Returns how many ended.
 */
export async function endSessions(
  state: ManagerState,
  userId: string,
  keep: string | undefined,
): Promise<number> {
  const registry = registryOf(state, "ending sessions");
  const now = state.context.now();
  const ended = await call(registry, "endAll", "end sessions", () =>
    registry.store.endAll(userId, { now, keep }),
  );
  for (const id of ended) state.registryChecked.delete(id);
  return ended.length;
}

export async function endOtherSessions(
  state: ManagerState,
  session: Session<object, object>,
): Promise<number> {
  const { userId, current } = userOf(session, "endOtherSessions()");
  return endSessions(state, userId, current);
}
