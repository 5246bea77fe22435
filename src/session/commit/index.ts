/**
 * Committing a session, in steps: decide → check the data against the schema → plan the store (a session that moves there gets a new id)
 * → registry → store writes → revocation writes → seal → cookies. This composes the steps (each in a
 * file of its own) and keeps the session and the token cache in step with what the response now tells
 * the browser. Writes that a new cookie depends on (a login's registration, a store patch) come first
 * and throw on failure, so no cookie ever runs ahead of the state behind it.
 */
import type { RevocationWriteError, WaitUntil } from "../../revocation/policy.ts";
import type { ManagerState } from "../config.ts";
import { encodeEnvelope } from "../envelope.ts";
import type { Session } from "../session.ts";
import { clearSessionCookies, setSessionCookies } from "./cookie.ts";
import { decide } from "./decide.ts";
import { revokeEnded } from "./revoke.ts";
import { checkCommittedData } from "./schema.ts";
import { sealEnvelope } from "./seal.ts";

export interface CommitOptions {
  /** `ctx.waitUntil` (bound) where the runtime has one: a failed revocation write is retried there. */
  readonly waitUntil?: WaitUntil;
}

export interface CommitResult {
  /**
   * Set when revoking an ended session id (logout, or login/regenerate replacing a user's id) failed.
   * The cookie was cleared or replaced all the same; `onStoreError` saw the failure too.
   */
  readonly revocationError: RevocationWriteError | undefined;
}

/** Without a registry or a store, their steps have nothing to do (their code comes with the backend). */
const NO_REGISTRY = Object.freeze({ ended: false, error: undefined });

const COMMITTED: CommitResult = Object.freeze({ revocationError: undefined });
const result = (error: RevocationWriteError | undefined): CommitResult =>
  error === undefined ? COMMITTED : { revocationError: error };

export async function commitSession(
  state: ManagerState,
  session: Session<object, object>,
  headers: Headers,
  options: CommitOptions,
): Promise<CommitResult> {
  const now = state.context.now();
  const decision = decide(state, session, now);
  switch (decision.kind) {
    case "leave":
      if (session._present.length > 0) state.caching.depends(headers);
      return COMMITTED;
    case "clear":
      clearSessionCookies(state, session._present, headers);
      return COMMITTED;
    case "destroy": {
      state.tokens.delete(session._token);
      // Clear first: the local logout holds even when the store writes fail or time out.
      clearSessionCookies(state, new Set([state.cookie.name, ...session._present]), headers);
      const ended = session._ended.splice(0);
      const registry = state.registry
        ? await state.registry.feature.sync(state, session, ended, now, options.waitUntil)
        : NO_REGISTRY;
      const stored = state.store
        ? await state.store.feature.delete(state, session, now, options.waitUntil)
        : undefined;
      const revocation = await revokeEnded(state, ended, true, options.waitUntil);
      return result(registry.error ?? stored ?? revocation);
    }
  }
  // Data the app changed must pass its schema before anything — store, registry, cookie — is written.
  if (state.schema) await checkCommittedData(state, session, decision.dataJson);
  // A session that moves to the store now gets its new id here, before anything is written.
  state.store?.feature.plan(state, session, decision.dataJson, decision.flashJson);
  // A replaced id's token must not come back from the cache.
  if (session._ended.length > 0) state.tokens.delete(session._token);
  const ended = session._ended.splice(0);
  // Registry first: a login it cannot record throws here, before any cookie says otherwise.
  const registry = state.registry
    ? await state.registry.feature.sync(state, session, ended, now, options.waitUntil)
    : NO_REGISTRY;
  const stored =
    registry.ended || !state.store
      ? undefined
      : await state.store.feature.sync(state, session, decision.dataJson, now);
  if (registry.ended || stored?.ended) {
    // Ended elsewhere while this request ran (its registry entry or store record is gone): it is over.
    if (stored?.ended) await state.registry?.feature.drop(state, session, now, options.waitUntil);
    state.tokens.delete(session._token);
    clearSessionCookies(state, new Set([state.cookie.name, ...session._present]), headers);
    return result(registry.error);
  }
  if (stored?.leave) {
    // An idle refresh the store could not record: keep the cookie as it is, the session as it was.
    if (session._present.length > 0) state.caching.depends(headers);
    return result(registry.error);
  }
  const revoked = await revokeEnded(state, ended, false, options.waitUntil);
  const failure = registry.error ?? revoked;
  if (decision.sameCookie && stored !== undefined) {
    // The record took the change; the cookie the browser holds still says all there is to say.
    if (session._present.length > 0) state.caching.depends(headers);
    session._loadedJson = decision.loaded;
    return result(failure);
  }
  const envelope = session._envelope;
  envelope.seen = Math.max(0, Math.floor((now - envelope.issuedAt) / 1000));
  const body = encodeEnvelope(envelope, decision.dataJson, decision.flashJson);
  const token = await sealEnvelope(state, body);
  setSessionCookies(state, session, token, decision.changed, now, headers);
  session._idExposed = true;
  // The browser will send this token next: it is ours and valid, so spare the next request the decryption.
  state.tokens.set(token, {
    format: state.write,
    plaintext: body,
    entry: state.keyring.newest,
    expiresAt: undefined,
    foreignKeyId: false,
  });
  session._token = token;
  session._loadedJson = decision.loaded;
  session._dirty = false;
  session._reseal = false;
  return result(failure);
}
