/**
 * Commit step (and `revokeUser`): record ended ids in the revocation store. Every write runs under
 * the store deadline; a failure is reported, handed one retry through `waitUntil` when there is one,
 * and returned as a typed error — never thrown from `commit`, because the local logout already holds.
 */
import { RevocationWriteError, type WaitUntil, writeOnce } from "../../revocation/policy.ts";
import type { ManagerState } from "../config.ts";
import type { EndedSession } from "../session.ts";

/** Runs one revocation write; on failure returns the typed error instead of throwing. */
export async function writeRevocation(
  state: ManagerState,
  operation: "revokeSession" | "revokeUser",
  run: () => Promise<void>,
  waitUntil: WaitUntil | undefined,
): Promise<RevocationWriteError | undefined> {
  const failed = await writeOnce(state.revocation!, operation, run, waitUntil);
  return failed && new RevocationWriteError(operation, failed.retry, failed.error);
}

/**
 * Revokes the ids this request ended (logout, or login/regenerate replacing an id a client may hold).
 * Returns the first failure, if any.
 */
export async function revokeEnded(
  state: ManagerState,
  ended: readonly EndedSession[],
  destroyed: boolean,
  waitUntil: WaitUntil | undefined,
): Promise<RevocationWriteError | undefined> {
  const { revocation } = state;
  if (!revocation) return undefined;
  let failure: RevocationWriteError | undefined;
  for (const old of ended) {
    // A replaced anonymous id is no fixation target, and anonymous cookies are not checked by default.
    if (old.userId === null && !(destroyed && revocation.checkAnonymous)) continue;
    const until = old.expiresAt + state.toleranceMs;
    const userId = old.userId ?? undefined;
    const failed = await writeRevocation(
      state,
      "revokeSession",
      () => revocation.store.revokeSession({ sessionId: old.id, until, userId }),
      waitUntil,
    );
    failure ??= failed;
  }
  return failure;
}
