import type { RevocationQuery, RevocationStore, SessionRevocation, UserRevocation } from "./types.ts";

export interface MemoryRevocationOptions {
  /** Clock in ms since the epoch, for tests. */
  readonly now?: () => number;
}

/**
 * A revocation store in this process's memory: for tests, and for a single long-lived process
 * (one Node/Bun/Deno server). Revocations vanish on restart and are not shared between instances.
 * Same semantics as the KV stores, expiry included; expired facts are swept as writes come in.
 */
export function memoryRevocationStore(options: MemoryRevocationOptions = {}): RevocationStore {
  const now = options.now ?? Date.now;
  const sessions = new Map<string, number>();
  const users = new Map<string, { cutoff: number; until: number }>();
  let writes = 0;

  const sweep = () => {
    if (++writes % 256 !== 0) return;
    const time = now();
    for (const [id, until] of sessions) if (until < time) sessions.delete(id);
    for (const [id, fact] of users) if (fact.until < time) users.delete(id);
  };

  return {
    async isRevoked({ sessionId, userId, issuedAt }: RevocationQuery) {
      const time = now();
      const until = sessions.get(sessionId);
      if (until !== undefined && until >= time) return true;
      if (userId === undefined) return false;
      const user = users.get(userId);
      return user !== undefined && user.until >= time && issuedAt <= user.cutoff;
    },
    async revokeSession({ sessionId, until }: SessionRevocation) {
      sessions.set(sessionId, Math.max(until, sessions.get(sessionId) ?? 0));
      sweep();
    },
    async revokeUser({ userId, cutoff, until }: UserRevocation) {
      const known = users.get(userId);
      // One process sees every write in order, so keep the later cutoff (a KV store cannot: blind writes).
      users.set(userId, {
        cutoff: Math.max(cutoff, known?.cutoff ?? cutoff),
        until: Math.max(until, known?.until ?? until),
      });
      sweep();
    },
  };
}
