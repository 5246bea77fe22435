/**
 * One user's registry as a plain value, and every registry operation as a pure decision over it:
 * what the Redis and Deno KV registries read, decide on and write back in one check-and-set step.
 * The semantics are the memory registry's (memory.ts), step for step; the backends only move the
 * value, the ended ids ("tombstones", keys of their own) and the TTLs.
 *
 * Stored as JSON text (one serialization boundary, decoded and encoded in JavaScript only):
 *   {"v":1,"cutoff":<ms>|null,"entries":[{handle, sessionId, createdAt, lastSeenAt, expiresAt,
 *     label, kind, generation, parent, advancedAt}, …]}   entries in registration order
 */
import type { NewRegistryEntry, RegistryAdvance, RegistryEntry, RegistryStore } from "./types.ts";

/** An entry as stored: the public fields plus when a refresh-token family last advanced. */
export interface StoredEntry extends RegistryEntry {
  readonly advancedAt: number;
}

export interface UserState {
  /** No session issued at or before this can be adopted (the last `endAll`); `null`: never. */
  readonly cutoff: number | null;
  /** Live (and maybe expired, until pruned) entries in registration order. */
  readonly entries: readonly StoredEntry[];
}

/** An ended session id, refused by `adopt` until `until` (the session's expiry). */
export interface Tombstone {
  readonly sessionId: string;
  readonly until: number;
}

/** What an operation decided: the state to write (when `changed`), the ids it ended, its result. */
export interface Decision<T> {
  readonly state: UserState;
  readonly changed: boolean;
  readonly tombstones: readonly Tombstone[];
  readonly result: T;
}

/**
 * How long a cutoff is kept: the longest a cookie can live (`maxAge` is at most 400 days), so every
 * session issued before "log out everywhere" has expired by the time it is forgotten.
 */
export const CUTOFF_KEPT = 400 * 86_400_000;

export const EMPTY: UserState = Object.freeze({ cutoff: null, entries: Object.freeze([]) });

const isTime = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isText = (value: unknown): value is string => typeof value === "string";

function readEntry(value: unknown): StoredEntry | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const e = value as Record<string, unknown>;
  const ok =
    isText(e.handle) &&
    isText(e.sessionId) &&
    isTime(e.createdAt) &&
    isTime(e.lastSeenAt) &&
    isTime(e.expiresAt) &&
    isText(e.label) &&
    isText(e.kind) &&
    isTime(e.generation) &&
    (e.parent === null || isText(e.parent)) &&
    isTime(e.advancedAt);
  if (!ok) return undefined;
  return {
    handle: e.handle as string,
    sessionId: e.sessionId as string,
    createdAt: e.createdAt as number,
    lastSeenAt: e.lastSeenAt as number,
    expiresAt: e.expiresAt as number,
    label: e.label as string,
    kind: e.kind as string,
    generation: e.generation as number,
    parent: e.parent as string | null,
    advancedAt: e.advancedAt as number,
  };
}

/**
 * Reads a stored user; `null` text (no key: never used, expired or evicted) is an empty user — whose
 * sessions all read as ended. Anything this code did not write throws: a fault, never "live".
 */
export function parseUser(text: string | null, engine: string): UserState {
  if (text === null) return EMPTY;
  const unreadable = () => new TypeError(`sealed-session: unreadable value in the ${engine} registry`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw unreadable();
  }
  const v = value as { v?: unknown; cutoff?: unknown; entries?: unknown } | null;
  if (v?.v !== 1 || !(v.cutoff === null || isTime(v.cutoff)) || !Array.isArray(v.entries)) throw unreadable();
  const entries = v.entries.map(readEntry);
  if (entries.some((entry) => entry === undefined)) throw unreadable();
  return { cutoff: v.cutoff, entries: entries as StoredEntry[] };
}

export function serializeUser(state: UserState): string {
  return JSON.stringify({ v: 1, cutoff: state.cutoff, entries: state.entries });
}

/** Until when the stored user must be kept; `undefined`: nothing worth keeping (delete it). */
export function keepUntil(state: UserState): number | undefined {
  let until = state.cutoff === null ? undefined : state.cutoff + CUTOFF_KEPT;
  for (const entry of state.entries) until = Math.max(until ?? 0, entry.expiresAt);
  return until;
}

/** The public entry, without what only the store needs. */
export const publicEntry = ({ advancedAt: _, ...entry }: StoredEntry): RegistryEntry => entry;

/** Newest first (by createdAt, then the later registration first). */
export function listEntries(state: UserState, now: number): RegistryEntry[] {
  return state.entries
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => entry.expiresAt >= now)
    .sort((a, b) => b.entry.createdAt - a.entry.createdAt || b.index - a.index)
    .map(({ entry }) => publicEntry(entry));
}

/** The live entry of a session id, if any. */
export function liveEntry(state: UserState, sessionId: string, now: number): StoredEntry | undefined {
  return state.entries.find((entry) => entry.sessionId === sessionId && entry.expiresAt >= now);
}

/**
 * A working copy with expired entries dropped (pruned on every write, as the memory registry does),
 * and the helpers every operation shares.
 */
class Draft {
  cutoff: number | null;
  entries: StoredEntry[];
  readonly tombstones: Tombstone[] = [];
  changed = false;

  constructor(state: UserState, now: number) {
    this.cutoff = state.cutoff;
    this.entries = state.entries.filter((entry) => entry.expiresAt >= now);
    if (this.entries.length !== state.entries.length) this.changed = true;
  }

  bySession(sessionId: string): StoredEntry | undefined {
    return this.entries.find((entry) => entry.sessionId === sessionId);
  }

  byHandle(handle: string): StoredEntry | undefined {
    return this.entries.find((entry) => entry.handle === handle);
  }

  replace(entry: StoredEntry, next: StoredEntry): StoredEntry {
    this.entries = this.entries.map((e) => (e === entry ? next : e));
    this.changed = true;
    return next;
  }

  add(entry: NewRegistryEntry, now: number, parent: string | null = null): StoredEntry {
    // A stale entry with the same handle or id (an expired one was pruned above) cannot coexist.
    this.entries = this.entries.filter((e) => e.handle !== entry.handle && e.sessionId !== entry.sessionId);
    const stored: StoredEntry = {
      handle: entry.handle,
      sessionId: entry.sessionId,
      createdAt: entry.createdAt,
      lastSeenAt: now,
      expiresAt: entry.expiresAt,
      label: entry.label,
      kind: entry.kind,
      generation: entry.generation ?? 0,
      parent,
      advancedAt: now,
    };
    this.entries.push(stored);
    this.changed = true;
    return stored;
  }

  end(entry: StoredEntry): void {
    this.entries = this.entries.filter((e) => e !== entry);
    this.tombstones.push({ sessionId: entry.sessionId, until: entry.expiresAt });
    this.changed = true;
  }

  /** Ends the oldest live entries beyond `max` (registration order breaks ties); their session ids. */
  trim(max: number): string[] {
    const extra = this.entries.length - max;
    if (extra <= 0) return [];
    const oldest = this.entries
      .map((entry, index) => ({ entry, index }))
      .sort((a, b) => a.entry.createdAt - b.entry.createdAt || a.index - b.index)
      .slice(0, extra)
      .map(({ entry }) => entry);
    for (const entry of oldest) this.end(entry);
    return oldest.map((entry) => entry.sessionId);
  }

  done<T>(result: T): Decision<T> {
    // One tombstone per id, the latest `until` (an id may be ended twice in one step).
    const latest = new Map<string, number>();
    for (const { sessionId, until } of this.tombstones) {
      latest.set(sessionId, Math.max(until, latest.get(sessionId) ?? 0));
    }
    return {
      state: { cutoff: this.cutoff, entries: this.entries },
      changed: this.changed,
      tombstones: [...latest].map(([sessionId, until]) => ({ sessionId, until })),
      result,
    };
  }
}

export function register(
  state: UserState,
  entry: NewRegistryEntry,
  { max, now, parent }: { readonly max: number; readonly now: number; readonly parent?: string | undefined },
): Decision<{ ended: string[]; registered?: boolean }> {
  const user = new Draft(state, now);
  let parentHandle: string | null = null;
  if (parent !== undefined) {
    const from = user.bySession(parent);
    // A family is registered only while the session it is issued from is live.
    if (from === undefined) return { ...user.done({ ended: [], registered: false }), changed: false };
    parentHandle = from.handle;
  }
  user.add(entry, now, parentHandle);
  const ended = user.trim(max);
  return user.done(parent === undefined ? { ended } : { ended, registered: true });
}

export function adopt(
  state: UserState,
  { issuedAt, ...entry }: NewRegistryEntry & { readonly issuedAt: number },
  { max, now }: { readonly max: number; readonly now: number },
  endedUntil: number | null,
): Decision<{ entry: RegistryEntry; ended: string[] } | null> {
  const user = new Draft(state, now);
  const known = user.bySession(entry.sessionId);
  if (known) return { ...user.done({ entry: publicEntry(known), ended: [] }), changed: false };
  const blocked =
    (endedUntil !== null && endedUntil >= now) || (user.cutoff !== null && issuedAt <= user.cutoff);
  if (blocked) return { ...user.done(null), changed: false };
  const stored = user.add(entry, now);
  const ended = user.trim(max);
  return user.done(ended.includes(stored.sessionId) ? null : { entry: publicEntry(stored), ended });
}

export function check(
  state: UserState,
  sessionId: string,
  { now, touchAfter }: { readonly now: number; readonly touchAfter: number },
): Decision<RegistryEntry | null> {
  const user = new Draft(state, now);
  const entry = user.bySession(sessionId);
  if (entry === undefined) return { ...user.done(null), changed: false };
  if (now - entry.lastSeenAt < touchAfter) return { ...user.done(publicEntry(entry)), changed: false };
  return user.done(publicEntry(user.replace(entry, { ...entry, lastSeenAt: now })));
}

/** Whether `check` would write (a touch is due): the backends read without a transaction otherwise. */
export function touchDue(state: UserState, sessionId: string, now: number, touchAfter: number): boolean {
  const entry = liveEntry(state, sessionId, now);
  return entry !== undefined && now - entry.lastSeenAt >= touchAfter;
}

export function rotate(
  state: UserState,
  fromSessionId: string,
  toSessionId: string,
  { now }: { readonly now: number },
): Decision<boolean> {
  const user = new Draft(state, now);
  const entry = user.bySession(fromSessionId);
  if (entry === undefined) return { ...user.done(false), changed: false };
  user.replace(entry, { ...entry, sessionId: toSessionId });
  user.tombstones.push({ sessionId: fromSessionId, until: entry.expiresAt });
  return user.done(true);
}

export function remove(
  state: UserState,
  sessionId: string,
  {
    now,
    expiresAt,
    children,
  }: { readonly now: number; readonly expiresAt: number; readonly children?: boolean },
  endedUntil: number | null,
): Decision<boolean> {
  const user = new Draft(state, now);
  const entry = user.bySession(sessionId);
  if (entry) user.end(entry);
  if (entry && children) {
    // A logout ends the refresh-token families issued from this session with it.
    for (const child of user.entries.filter((e) => e.parent === entry.handle)) user.end(child);
  }
  // Either way the id counts as ended until it would have expired (the later of what is known).
  const until = Math.max(expiresAt, entry?.expiresAt ?? 0, endedUntil ?? 0);
  user.tombstones.push({ sessionId, until });
  return user.done(entry !== undefined);
}

export function end(
  state: UserState,
  handle: string,
  { now }: { readonly now: number },
): Decision<string | null> {
  const user = new Draft(state, now);
  const entry = user.byHandle(handle);
  if (entry === undefined) return { ...user.done(null), changed: false };
  user.end(entry);
  return user.done(entry.sessionId);
}

export function endAll(
  state: UserState,
  { now, keep }: { readonly now: number; readonly keep?: string | undefined },
): Decision<string[]> {
  const user = new Draft(state, now);
  const ended: string[] = [];
  for (const entry of [...user.entries]) {
    if (entry.sessionId === keep) continue;
    user.end(entry);
    ended.push(entry.sessionId);
  }
  user.cutoff = Math.max(user.cutoff ?? now, now);
  user.changed = true;
  return user.done(ended);
}

export function advance(
  state: UserState,
  sessionId: string,
  {
    generation,
    now,
    reuseInterval,
    endParent,
  }: {
    readonly generation: number;
    readonly now: number;
    readonly reuseInterval: number;
    readonly endParent: boolean;
  },
): Decision<RegistryAdvance | null> {
  const user = new Draft(state, now);
  const entry = user.bySession(sessionId);
  if (entry === undefined || entry.kind !== "refresh") return { ...user.done(null), changed: false };
  if (generation === entry.generation) {
    const moved = user.replace(entry, {
      ...entry,
      generation: entry.generation + 1,
      lastSeenAt: now,
      advancedAt: now,
    });
    return user.done({ outcome: "rotated", entry: publicEntry(moved) });
  }
  if (generation === entry.generation - 1 && reuseInterval > 0 && now - entry.advancedAt <= reuseInterval) {
    return { ...user.done({ outcome: "repeated", entry: publicEntry(entry) }), changed: false };
  }
  // A spent generation: the family ends, and with endParent the session it was issued from.
  user.end(entry);
  const ended = [entry.sessionId];
  const parent = endParent && entry.parent !== null ? user.byHandle(entry.parent) : undefined;
  if (parent !== undefined) {
    user.end(parent);
    ended.push(parent.sessionId);
  }
  return user.done({ outcome: "reused", ended });
}

/** How a backend moves one user's state: a plain read, and one atomic read-decide-write step. */
export interface UserStateIo {
  read(userId: string): Promise<UserState>;
  /** Reads the state (and, with `ended`, that id's tombstone), decides, writes the decision atomically. */
  change<T>(
    userId: string,
    now: number,
    decide: (state: UserState, endedUntil: number | null) => Decision<T>,
    ended?: string,
  ): Promise<T>;
}

/** The registry contract over a backend's `UserStateIo`: every operation is one decision above. */
export function userStateRegistry({ read, change }: UserStateIo): RegistryStore {
  return {
    register: (userId, entry, { max, now, parent }) =>
      change(userId, now, (state) => register(state, entry, { max, now, parent })),

    adopt: (userId, entry, { max, now }) =>
      change(
        userId,
        now,
        (state, endedUntil) => adopt(state, entry, { max, now }, endedUntil),
        entry.sessionId,
      ),

    async check(userId, sessionId, { now, touchAfter }) {
      // One read; an atomic write only when lastSeenAt is due (at most every touchAfter).
      const state = await read(userId);
      if (!touchDue(state, sessionId, now, touchAfter)) {
        const entry = liveEntry(state, sessionId, now);
        return entry === undefined ? null : publicEntry(entry);
      }
      return change(userId, now, (current) => check(current, sessionId, { now, touchAfter }));
    },

    rotate: (userId, from, to, { now }) => change(userId, now, (state) => rotate(state, from, to, { now })),

    remove: (userId, sessionId, options) =>
      change(
        userId,
        options.now,
        (state, endedUntil) => remove(state, sessionId, options, endedUntil),
        sessionId,
      ),

    list: async (userId, { now }) => listEntries(await read(userId), now),

    end: (userId, handle, { now }) => change(userId, now, (state) => end(state, handle, { now })),

    endAll: (userId, { now, keep }) => change(userId, now, (state) => endAll(state, { now, keep })),

    advance: (userId, sessionId, options) =>
      change(userId, options.now, (state) => advance(state, sessionId, options)),
  };
}
