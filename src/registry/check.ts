/**
 * Load step 4 with a registry (instead of the revocation check, for logged-in sessions): is this
 * session still live? A registered session is asked about at most once per `checkEvery` in this
 * isolate; one whose entry is gone is `revoked` — missing state never grants access. A logged-in
 * session from before the registry (no registered flag) is adopted on its first check, unless it
 * was ended or logged out everywhere since: adding a registry logs nobody out.
 */

import { randomId } from "../lib/bytes.ts";
import { failureKind, withTimeout } from "../revocation/policy.ts";
import type { ManagerState } from "../session/config.ts";
import { type Envelope, FLAG_REGISTERED } from "../session/envelope.ts";
import { labelFromUserAgent } from "./label.ts";

export type RegistryAnswer = "live" | "adopted" | "revoked" | "unavailable";

export async function checkRegistry(
  state: ManagerState,
  envelope: Envelope,
  userAgent: string | null,
  now: number,
): Promise<RegistryAnswer> {
  const registry = state.registry!;
  const userId = envelope.userId!;
  const registered = (envelope.flags & FLAG_REGISTERED) !== 0;
  if (registered) {
    const checkedAt = state.registryChecked.get(envelope.id);
    if (checkedAt !== undefined && now - checkedAt < registry.checkEvery && now >= checkedAt) return "live";
  } else if (!registry.adoptUnregistered) return "revoked";
  const operation = registered ? "check" : "adopt";
  try {
    if (registered) {
      const entry = await withTimeout(
        () => registry.store.check(userId, envelope.id, { now, touchAfter: registry.touchAfter }),
        registry.timeout,
      );
      if (entry === null) return "revoked";
    } else {
      const adopted = await withTimeout(
        () =>
          registry.store.adopt(
            userId,
            {
              handle: randomId(),
              sessionId: envelope.id,
              createdAt: envelope.issuedAt,
              expiresAt: expiryOf(state, envelope),
              label: labelFromUserAgent(userAgent),
              kind: "cookie",
              issuedAt: envelope.issuedAt,
            },
            { max: registry.max, now },
          ),
        registry.timeout,
      );
      if (adopted === null) return "revoked";
      for (const id of adopted.ended) state.registryChecked.delete(id);
    }
  } catch (error) {
    const policy = registry.report({ operation, kind: failureKind(error), error, retry: false });
    return policy === "open" ? "live" : "unavailable";
  }
  if (registry.checkEvery > 0) state.registryChecked.set(envelope.id, now);
  return registered ? "live" : "adopted";
}

export const expiryOf = (state: ManagerState, envelope: Envelope): number =>
  envelope.issuedAt + Math.min(envelope.lifetime, state.context.maxAge) * 1000;
