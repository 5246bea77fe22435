/**
 * Load step 4: ask the revocation store, when one is configured, whether this session was revoked.
 * Anonymous sessions are not asked unless `checkAnonymous`. A store that fails or does not answer
 * in time follows the failure policy (fail closed by default).
 */
import { failureKind, withTimeout } from "../../revocation/policy.ts";
import type { ManagerState } from "../config.ts";
import type { Envelope } from "../envelope.ts";

export type RevocationAnswer = "live" | "revoked" | "unavailable";

export async function checkRevocation(state: ManagerState, envelope: Envelope): Promise<RevocationAnswer> {
  const { revocation } = state;
  if (!revocation || (envelope.userId === null && !revocation.checkAnonymous)) return "live";
  const query = {
    sessionId: envelope.id,
    userId: envelope.userId ?? undefined,
    issuedAt: envelope.issuedAt,
  };
  try {
    const revoked = await withTimeout(() => revocation.store.isRevoked(query), revocation.timeout);
    return revoked ? "revoked" : "live";
  } catch (error) {
    const policy = revocation.report({ operation: "check", kind: failureKind(error), error, retry: false });
    return policy === "open" ? "live" : "unavailable";
  }
}
