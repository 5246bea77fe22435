/**
 * A session registry in this process's memory: for tests, and for a single long-lived process (one
 * Node, Bun or Deno server). Entries vanish on restart — and then every registered session reads
 * as ended, never as live. Same semantics as every backend (test/kit/registry.ts); entries are
 * copied in and out, never shared by reference.
 */

import { registryStore } from "./feature.ts";
import type { NewRegistryEntry, RegistryAdvance, RegistryEntry, RegistryStore } from "./types.ts";

interface UserSessions {
  /** Live entries by handle, in registration order. */
  readonly entries: Map<string, RegistryEntry>;
  /** Ended session ids, each until the session would have expired. */
  readonly ended: Map<string, number>;
  /** No session issued at or before this can be adopted (the last `endAll`). */
  cutoff: number;
  /** When each refresh-token family (by handle) last advanced: what `reuseInterval` counts from. */
  readonly advancedAt: Map<string, number>;
}

export interface MemoryRegistryOptions {
  /** Users whose entries are kept (oldest activity dropped first, ending their sessions). Default 100,000. */
  readonly maxUsers?: number;
}

export function memoryRegistry(options: MemoryRegistryOptions = {}): RegistryStore {
  const users = new Map<string, UserSessions>();
  const maxUsers = options.maxUsers ?? 100_000;

  const userOf = (userId: string, now: number): UserSessions => {
    let user = users.get(userId);
    if (user === undefined) {
      user = {
        entries: new Map(),
        ended: new Map(),
        cutoff: Number.NEGATIVE_INFINITY,
        advancedAt: new Map(),
      };
      if (users.size >= maxUsers) users.delete(users.keys().next().value as string);
    } else users.delete(userId); // re-insert: most recently used last
    users.set(userId, user);
    for (const [handle, entry] of user.entries) {
      if (entry.expiresAt >= now) continue;
      user.entries.delete(handle);
      user.advancedAt.delete(handle);
    }
    for (const [id, until] of user.ended) if (until < now) user.ended.delete(id);
    return user;
  };
  const bySession = (user: UserSessions, sessionId: string) => {
    for (const entry of user.entries.values()) if (entry.sessionId === sessionId) return entry;
    return undefined;
  };
  const endEntry = (user: UserSessions, entry: RegistryEntry) => {
    user.entries.delete(entry.handle);
    user.advancedAt.delete(entry.handle);
    user.ended.set(entry.sessionId, Math.max(entry.expiresAt, user.ended.get(entry.sessionId) ?? 0));
  };
  /** Ends the oldest live entries beyond `max`; returns their session ids. */
  const trim = (user: UserSessions, max: number): string[] => {
    const extra = user.entries.size - max;
    if (extra <= 0) return [];
    const oldest = [...user.entries.values()].sort((a, b) => a.createdAt - b.createdAt).slice(0, extra);
    for (const entry of oldest) endEntry(user, entry);
    return oldest.map((entry) => entry.sessionId);
  };
  const add = (
    user: UserSessions,
    entry: NewRegistryEntry,
    now: number,
    parent: string | null = null,
  ): RegistryEntry => {
    const stored: RegistryEntry = Object.freeze({
      ...entry,
      lastSeenAt: now,
      generation: entry.generation ?? 0,
      parent,
    });
    user.entries.set(stored.handle, stored);
    if (stored.kind === "refresh") user.advancedAt.set(stored.handle, now);
    return stored;
  };
  /** Ends the entries whose parent is `handle`; returns their session ids. */
  const endChildren = (user: UserSessions, handle: string): string[] => {
    const children = [...user.entries.values()].filter((entry) => entry.parent === handle);
    for (const child of children) endEntry(user, child);
    return children.map((child) => child.sessionId);
  };

  return registryStore({
    async register(userId, entry, { max, now, parent }) {
      const user = userOf(userId, now);
      let parentHandle: string | null = null;
      if (parent !== undefined) {
        const from = bySession(user, parent);
        if (from === undefined) return { ended: [], registered: false };
        parentHandle = from.handle;
      }
      add(user, entry, now, parentHandle);
      const ended = trim(user, max);
      return parent === undefined ? { ended } : { ended, registered: true };
    },

    async adopt(userId, { issuedAt, ...entry }, { max, now }) {
      const user = userOf(userId, now);
      const known = bySession(user, entry.sessionId);
      if (known) return { entry: known, ended: [] };
      if (user.ended.has(entry.sessionId) || issuedAt <= user.cutoff) return null;
      const stored = add(user, entry, now);
      const ended = trim(user, max);
      return ended.includes(stored.sessionId) ? null : { entry: stored, ended };
    },

    async check(userId, sessionId, { now, touchAfter }) {
      const user = userOf(userId, now);
      const entry = bySession(user, sessionId);
      if (entry === undefined) return null;
      if (now - entry.lastSeenAt < touchAfter) return entry;
      const touched = Object.freeze({ ...entry, lastSeenAt: now });
      user.entries.set(entry.handle, touched);
      return touched;
    },

    async rotate(userId, fromSessionId, toSessionId, { now }) {
      const user = userOf(userId, now);
      const entry = bySession(user, fromSessionId);
      if (entry === undefined) return false;
      user.ended.set(fromSessionId, entry.expiresAt);
      user.entries.set(entry.handle, Object.freeze({ ...entry, sessionId: toSessionId }));
      return true;
    },

    async remove(userId, sessionId, { now, expiresAt, children }) {
      const user = userOf(userId, now);
      const entry = bySession(user, sessionId);
      if (entry) endEntry(user, entry);
      if (entry && children) endChildren(user, entry.handle);
      user.ended.set(sessionId, Math.max(expiresAt, user.ended.get(sessionId) ?? 0));
      return entry !== undefined;
    },

    async list(userId, { now }) {
      const user = userOf(userId, now);
      // Newest first; of two created in the same millisecond, the one registered last (sort is stable).
      return [...user.entries.values()].reverse().sort((a, b) => b.createdAt - a.createdAt);
    },

    async end(userId, handle, { now }) {
      const user = userOf(userId, now);
      const entry = user.entries.get(handle);
      if (entry === undefined) return null;
      endEntry(user, entry);
      return entry.sessionId;
    },

    async endAll(userId, { now, keep }) {
      const user = userOf(userId, now);
      const ended: string[] = [];
      for (const entry of [...user.entries.values()]) {
        if (entry.sessionId === keep) continue;
        endEntry(user, entry);
        ended.push(entry.sessionId);
      }
      user.cutoff = Math.max(user.cutoff, now);
      return ended;
    },

    async advance(userId, sessionId, { generation, now, reuseInterval, endParent }) {
      const user = userOf(userId, now);
      const entry = bySession(user, sessionId);
      if (entry === undefined || entry.kind !== "refresh") return null;
      if (generation === entry.generation) {
        const moved = Object.freeze({ ...entry, generation: entry.generation + 1, lastSeenAt: now });
        user.entries.set(entry.handle, moved);
        user.advancedAt.set(entry.handle, now);
        return { outcome: "rotated", entry: moved } satisfies RegistryAdvance;
      }
      const advancedAt = user.advancedAt.get(entry.handle) ?? entry.createdAt;
      if (generation === entry.generation - 1 && reuseInterval > 0 && now - advancedAt <= reuseInterval) {
        return { outcome: "repeated", entry } satisfies RegistryAdvance;
      }
      endEntry(user, entry);
      const ended = [entry.sessionId];
      const parent = endParent && entry.parent !== null ? user.entries.get(entry.parent) : undefined;
      if (parent !== undefined) {
        endEntry(user, parent);
        ended.push(parent.sessionId);
      }
      return { outcome: "reused", ended } satisfies RegistryAdvance;
    },
  });
}
