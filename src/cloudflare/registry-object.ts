/**
 * `SessionRegistry`: one user's live sessions in a Durable Object with SQLite storage. One object
 * per user (named by a keyed hash of the user id, see registry-store.ts), so every operation is one
 * call to one object, and strongly consistent: the object runs one call at a time, and each call's
 * statements run with no await between them, so a login with a cap, "log out everywhere" and a
 * check never interleave. Cloudflare documents a soft limit of about 1,000 requests per second per
 * object — one user is far below it.
 *
 * Apps re-export the class from their Worker's main module and bind it (docs/cloudflare.md):
 *   export { SessionRegistry } from "sealed-session/cloudflare";
 *
 * Times passed in are the caller's clock (ms): expiry is judged on it. Rows are purged by an alarm on
 * the object's own clock at the same remaining lifetime.
 *
 * Schema 1:
 *   _ss_sessions(handle PK, session_id UNIQUE, created_at, last_seen_at, expires_at, purge_at, label, kind)
 *   _ss_ended(session_id PK, until, purge_at)     ended ids, so a pre-registry copy is never adopted
 *   _ss_user(id = 1, cutoff)                       the last "log out everywhere"
 * Schema 2 (refresh-token families):
 *   _ss_sessions gains generation (0 for a cookie session), parent (the handle a family was issued
 *   from, or NULL) and advanced_at (when a family's generation last moved), and an index on parent.
 *
 * Migration path: an object still at schema 1 runs migration 2 — three ALTER TABLE … ADD COLUMN with
 * defaults and one CREATE INDEX, in one transaction — before it serves its first call after the
 * deploy. Its rows become cookie sessions at generation 0 with no parent, exactly what they were;
 * nothing is copied, nobody is logged out. Rolling back to a release that knows only schema 1 is
 * refused by that release (schema.ts: storage newer than the code); deploy forward instead.
 */
import { DurableObject } from "cloudflare:workers";
import type { NewRegistryEntry, RegistryAdvance, RegistryEntry } from "../registry/types.ts";
import { migrate } from "./schema.ts";

/** @internal The schema, in order (exported for the migration test). */
export const MIGRATIONS = [
  `CREATE TABLE _ss_sessions (handle TEXT PRIMARY KEY, session_id TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
     purge_at INTEGER NOT NULL, label TEXT NOT NULL, kind TEXT NOT NULL);
   CREATE INDEX _ss_sessions_created ON _ss_sessions (created_at);
   CREATE INDEX _ss_sessions_purge ON _ss_sessions (purge_at);
   CREATE TABLE _ss_ended (session_id TEXT PRIMARY KEY, until INTEGER NOT NULL, purge_at INTEGER NOT NULL);
   CREATE TABLE _ss_user (id INTEGER PRIMARY KEY CHECK (id = 1), cutoff INTEGER NOT NULL);`,
  `ALTER TABLE _ss_sessions ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE _ss_sessions ADD COLUMN parent TEXT;
   ALTER TABLE _ss_sessions ADD COLUMN advanced_at INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX _ss_sessions_parent ON _ss_sessions (parent);`,
];

interface Row {
  handle: string;
  session_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  label: string;
  kind: string;
  generation: number;
  parent: string | null;
  advanced_at: number;
  [column: string]: SqlStorageValue;
}

const toEntry = (row: Row): RegistryEntry => ({
  handle: row.handle,
  sessionId: row.session_id,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  expiresAt: row.expires_at,
  label: row.label,
  kind: row.kind,
  generation: row.generation,
  parent: row.parent,
});

const COLUMNS =
  "handle, session_id, created_at, last_seen_at, expires_at, label, kind, generation, parent, advanced_at";
const isTime = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isId = (value: unknown): value is string =>
  typeof value === "string" && value.length > 0 && value.length <= 128;

function check(ok: boolean, method: string): void {
  // Only this library's client calls these methods; anything else is a bug, not a user's input.
  if (!ok) throw new TypeError(`sealed-session: SessionRegistry.${method} got bad arguments`);
}

function checkEntry(entry: NewRegistryEntry, method: string): void {
  check(
    typeof entry === "object" &&
      entry !== null &&
      isId(entry.handle) &&
      isId(entry.sessionId) &&
      isTime(entry.createdAt) &&
      isTime(entry.expiresAt) &&
      typeof entry.label === "string" &&
      entry.label.length <= 64 &&
      isId(entry.kind) &&
      (entry.generation === undefined || isTime(entry.generation)),
    method,
  );
}

export class SessionRegistry extends DurableObject<unknown> {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  async register(
    entry: NewRegistryEntry,
    max: number,
    now: number,
    parent: string | null = null,
  ): Promise<{ ended: string[]; registered?: boolean }> {
    checkEntry(entry, "register");
    check(
      Number.isSafeInteger(max) && max >= 1 && isTime(now) && (parent === null || isId(parent)),
      "register",
    );
    let parentHandle: string | null = null;
    if (parent !== null) {
      // Only while the parent is live, in the same call: a family never outlives an ended parent.
      const from = this.#bySession(parent, now);
      if (from === null) return { ended: [], registered: false };
      parentHandle = from.handle;
    }
    this.#insert(entry, now, parentHandle);
    const ended = this.#trim(max, now);
    await this.#armFor(this.#purgeAt(entry.expiresAt, now));
    return parent === null ? { ended } : { ended, registered: true };
  }

  async adopt(
    entry: NewRegistryEntry & { issuedAt: number },
    max: number,
    now: number,
  ): Promise<{ entry: RegistryEntry; ended: string[] } | null> {
    checkEntry(entry, "adopt");
    check(isTime(entry.issuedAt) && Number.isSafeInteger(max) && max >= 1 && isTime(now), "adopt");
    const known = this.#bySession(entry.sessionId, now);
    if (known) return { entry: known, ended: [] };
    const sql = this.ctx.storage.sql;
    const blocked = sql
      .exec<{ ended: number; cutoff: number | null }>(
        `SELECT EXISTS (SELECT 1 FROM _ss_ended WHERE session_id = ?1) AS ended,
                (SELECT cutoff FROM _ss_user WHERE id = 1) AS cutoff`,
        entry.sessionId,
      )
      .one();
    if (blocked.ended === 1 || (blocked.cutoff !== null && entry.issuedAt <= blocked.cutoff)) return null;
    const { issuedAt: _, ...fresh } = entry;
    this.#insert(fresh, now);
    const ended = this.#trim(max, now);
    if (ended.includes(entry.sessionId)) return null;
    await this.#armFor(this.#purgeAt(entry.expiresAt, now));
    return { entry: { ...fresh, lastSeenAt: now, generation: fresh.generation ?? 0, parent: null }, ended };
  }

  check(sessionId: string, now: number, touchAfter: number): RegistryEntry | null {
    check(isId(sessionId) && isTime(now) && isTime(touchAfter), "check");
    const entry = this.#bySession(sessionId, now);
    if (entry === null || now - entry.lastSeenAt < touchAfter) return entry;
    this.ctx.storage.sql.exec("UPDATE _ss_sessions SET last_seen_at = ? WHERE handle = ?", now, entry.handle);
    return { ...entry, lastSeenAt: now };
  }

  async rotate(fromSessionId: string, toSessionId: string, now: number): Promise<boolean> {
    check(isId(fromSessionId) && isId(toSessionId) && isTime(now), "rotate");
    const entry = this.#bySession(fromSessionId, now);
    if (entry === null) return false;
    this.#tombstone(fromSessionId, entry.expiresAt, now);
    this.ctx.storage.sql.exec(
      "UPDATE _ss_sessions SET session_id = ? WHERE handle = ?",
      toSessionId,
      entry.handle,
    );
    await this.#armFor(this.#purgeAt(entry.expiresAt, now));
    return true;
  }

  async remove(sessionId: string, now: number, expiresAt: number, children = false): Promise<boolean> {
    check(isId(sessionId) && isTime(now) && isTime(expiresAt) && typeof children === "boolean", "remove");
    const entry = children ? this.#bySession(sessionId, now) : null;
    const removed =
      this.ctx.storage.sql.exec(
        "DELETE FROM _ss_sessions WHERE session_id = ? AND expires_at >= ?",
        sessionId,
        now,
      ).rowsWritten > 0;
    this.#tombstone(sessionId, expiresAt, now);
    if (entry !== null) {
      // A logout ends the refresh-token families issued from this session with it.
      const rows = this.ctx.storage.sql
        .exec<Row>(
          `SELECT ${COLUMNS} FROM _ss_sessions WHERE parent = ? AND expires_at >= ?`,
          entry.handle,
          now,
        )
        .toArray();
      for (const row of rows) this.#endEntry(toEntry(row), now);
    }
    await this.#armFor(this.#purgeAt(expiresAt, now));
    return removed;
  }

  list(now: number): RegistryEntry[] {
    check(isTime(now), "list");
    return this.ctx.storage.sql
      .exec<Row>(
        `SELECT ${COLUMNS} FROM _ss_sessions WHERE expires_at >= ? ORDER BY created_at DESC, rowid DESC`,
        now,
      )
      .toArray()
      .map(toEntry);
  }

  end(handle: string, now: number): string | null {
    check(isId(handle) && isTime(now), "end");
    const row = this.ctx.storage.sql
      .exec<Row>(`SELECT ${COLUMNS} FROM _ss_sessions WHERE handle = ? AND expires_at >= ?`, handle, now)
      .toArray()[0];
    if (row === undefined) return null;
    this.#endEntry(toEntry(row), now);
    return row.session_id;
  }

  endAll(now: number, keep: string | null): string[] {
    check(isTime(now) && (keep === null || isId(keep)), "endAll");
    const rows = this.ctx.storage.sql
      .exec<Row>(`SELECT ${COLUMNS} FROM _ss_sessions WHERE expires_at >= ?`, now)
      .toArray()
      .filter((row) => row.session_id !== keep);
    for (const row of rows) this.#endEntry(toEntry(row), now);
    this.ctx.storage.sql.exec(
      "INSERT INTO _ss_user (id, cutoff) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET cutoff = MAX(cutoff, ?1)",
      now,
    );
    return rows.map((row) => row.session_id);
  }

  /** One exchange of a family's refresh token: see `RegistryStore.advance`. No await: one atomic step. */
  advance(
    sessionId: string,
    generation: number,
    now: number,
    reuseInterval: number,
    endParent: boolean,
  ): RegistryAdvance | null {
    check(
      isId(sessionId) &&
        isTime(generation) &&
        isTime(now) &&
        isTime(reuseInterval) &&
        typeof endParent === "boolean",
      "advance",
    );
    const sql = this.ctx.storage.sql;
    const row = sql
      .exec<Row>(
        `SELECT ${COLUMNS} FROM _ss_sessions WHERE session_id = ? AND expires_at >= ? AND kind = 'refresh'`,
        sessionId,
        now,
      )
      .toArray()[0];
    if (row === undefined) return null;
    if (generation === row.generation) {
      sql.exec(
        "UPDATE _ss_sessions SET generation = ?, last_seen_at = ?, advanced_at = ? WHERE handle = ?",
        row.generation + 1,
        now,
        now,
        row.handle,
      );
      return {
        outcome: "rotated",
        entry: { ...toEntry(row), generation: row.generation + 1, lastSeenAt: now },
      };
    }
    if (generation === row.generation - 1 && reuseInterval > 0 && now - row.advanced_at <= reuseInterval) {
      return { outcome: "repeated", entry: toEntry(row) };
    }
    this.#endEntry(toEntry(row), now);
    const ended = [row.session_id];
    if (endParent && row.parent !== null) {
      const parent = sql
        .exec<Row>(
          `SELECT ${COLUMNS} FROM _ss_sessions WHERE handle = ? AND expires_at >= ?`,
          row.parent,
          now,
        )
        .toArray()[0];
      if (parent !== undefined) {
        this.#endEntry(toEntry(parent), now);
        ended.push(parent.session_id);
      }
    }
    return { outcome: "reused", ended };
  }

  /** Purges expired entries and ended ids, then re-arms for the earliest left. */
  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    sql.exec("DELETE FROM _ss_sessions WHERE purge_at <= ?", now);
    sql.exec("DELETE FROM _ss_ended WHERE purge_at <= ?", now);
    const next = sql
      .exec<{ next: number | null }>(
        "SELECT MIN(next) AS next FROM (SELECT MIN(purge_at) AS next FROM _ss_sessions UNION ALL SELECT MIN(purge_at) FROM _ss_ended)",
      )
      .one().next;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  #bySession(sessionId: string, now: number): RegistryEntry | null {
    const row = this.ctx.storage.sql
      .exec<Row>(
        `SELECT ${COLUMNS} FROM _ss_sessions WHERE session_id = ? AND expires_at >= ?`,
        sessionId,
        now,
      )
      .toArray()[0];
    return row === undefined ? null : toEntry(row);
  }

  #insert(entry: NewRegistryEntry, now: number, parent: string | null = null): void {
    // An expired row may still hold the id or handle until the alarm purges it.
    this.ctx.storage.sql.exec(
      "DELETE FROM _ss_sessions WHERE (session_id = ?1 OR handle = ?2) AND expires_at < ?3",
      entry.sessionId,
      entry.handle,
      now,
    );
    this.ctx.storage.sql.exec(
      `INSERT INTO _ss_sessions (handle, session_id, created_at, last_seen_at, expires_at, purge_at, label, kind,
         generation, parent, advanced_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      entry.handle,
      entry.sessionId,
      entry.createdAt,
      now,
      entry.expiresAt,
      this.#purgeAt(entry.expiresAt, now),
      entry.label,
      entry.kind,
      entry.generation ?? 0,
      parent,
      now,
    );
  }

  /** Ends the oldest live entries beyond `max`; returns their session ids. */
  #trim(max: number, now: number): string[] {
    const rows = this.ctx.storage.sql
      .exec<Row>(
        `SELECT ${COLUMNS} FROM _ss_sessions WHERE expires_at >= ? ORDER BY created_at ASC, rowid ASC`,
        now,
      )
      .toArray();
    const oldest = rows.slice(0, Math.max(0, rows.length - max));
    for (const row of oldest) this.#endEntry(toEntry(row), now);
    return oldest.map((row) => row.session_id);
  }

  #endEntry(entry: RegistryEntry, now: number): void {
    this.ctx.storage.sql.exec("DELETE FROM _ss_sessions WHERE handle = ?", entry.handle);
    this.#tombstone(entry.sessionId, entry.expiresAt, now);
  }

  #tombstone(sessionId: string, until: number, now: number): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO _ss_ended (session_id, until, purge_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (session_id) DO UPDATE SET until = MAX(until, ?2), purge_at = MAX(purge_at, ?3)`,
      sessionId,
      until,
      this.#purgeAt(until, now),
    );
  }

  /** The same remaining lifetime on this object's clock. */
  #purgeAt(until: number, now: number): number {
    return Date.now() + Math.max(0, until - now);
  }

  async #armFor(purgeAt: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || purgeAt < current) await this.ctx.storage.setAlarm(purgeAt);
  }
}
