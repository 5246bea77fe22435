/**
 * `SessionRevocations`: revocation facts in a Durable Object with SQLite storage — exact, unlike
 * Workers KV: a revocation is visible to the next check everywhere, with no propagation delay and
 * no cached misses. One object per user (named by a keyed hash of the user id) holds that user's
 * revoked session ids and "log out everywhere" cutoff, so a logged-in check is one call; revoked
 * anonymous sessions live in 4,096 shard objects named by the first two characters of their id.
 *
 * Apps re-export the class from their Worker's main module and bind it (docs/cloudflare.md):
 *   export { SessionRevocations } from "sealed-session/cloudflare";
 *
 * Times passed in are the caller's clock (ms). Rows are purged by an alarm on the object's own
 * clock, at the same remaining lifetime, so a skewed caller clock cannot purge a live fact early.
 *
 * Schema 1:
 *   _ss_revoked(id TEXT PRIMARY KEY, until INTEGER, purge_at INTEGER)   revoked session ids
 *   _ss_cutoff(id INTEGER PRIMARY KEY CHECK (id = 1), cutoff, until, purge_at)   the user's cutoff
 */
import { DurableObject } from "cloudflare:workers";
import { migrate } from "./schema.ts";

const MIGRATIONS = [
  `CREATE TABLE _ss_revoked (id TEXT PRIMARY KEY, until INTEGER NOT NULL, purge_at INTEGER NOT NULL);
   CREATE INDEX _ss_revoked_purge ON _ss_revoked (purge_at);
   CREATE TABLE _ss_cutoff (id INTEGER PRIMARY KEY CHECK (id = 1), cutoff INTEGER NOT NULL,
     until INTEGER NOT NULL, purge_at INTEGER NOT NULL);`,
];

const isTime = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function check(ok: boolean, method: string): void {
  // Only this library's client calls these methods; anything else is a bug, not a user's input.
  if (!ok) throw new TypeError(`sealed-session: SessionRevocations.${method} got bad arguments`);
}

export class SessionRevocations extends DurableObject<unknown> {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  /** Whether `sessionId` is revoked, or (a user's object) its user revoked every session issued by `issuedAt`. */
  isRevoked(sessionId: string, issuedAt: number, now: number): boolean {
    check(typeof sessionId === "string" && isTime(issuedAt) && isTime(now), "isRevoked");
    const row = this.ctx.storage.sql
      .exec<{ until: number | null; cutoff: number | null }>(
        `SELECT (SELECT until FROM _ss_revoked WHERE id = ?1) AS until,
                (SELECT cutoff FROM _ss_cutoff WHERE id = 1 AND until >= ?2) AS cutoff`,
        sessionId,
        now,
      )
      .one();
    return (row.until !== null && row.until >= now) || (row.cutoff !== null && issuedAt <= row.cutoff);
  }

  /** Revokes `sessionId` until `until`. Repeating it only ever extends the fact. */
  async revokeSession(sessionId: string, until: number, now: number): Promise<void> {
    check(
      typeof sessionId === "string" && sessionId.length <= 128 && isTime(until) && isTime(now),
      "revokeSession",
    );
    const purgeAt = this.#purgeAt(until, now);
    this.ctx.storage.sql.exec(
      `INSERT INTO _ss_revoked (id, until, purge_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (id) DO UPDATE SET until = MAX(until, ?2), purge_at = MAX(purge_at, ?3)`,
      sessionId,
      until,
      purgeAt,
    );
    await this.#armFor(purgeAt);
  }

  /** Revokes every session of this object's user issued at or before `cutoff`; a later cutoff wins. */
  async revokeUser(cutoff: number, until: number, now: number): Promise<void> {
    check(isTime(cutoff) && isTime(until) && isTime(now), "revokeUser");
    const purgeAt = this.#purgeAt(until, now);
    this.ctx.storage.sql.exec(
      `INSERT INTO _ss_cutoff (id, cutoff, until, purge_at) VALUES (1, ?1, ?2, ?3)
       ON CONFLICT (id) DO UPDATE SET cutoff = MAX(cutoff, ?1), until = MAX(until, ?2), purge_at = MAX(purge_at, ?3)`,
      cutoff,
      until,
      purgeAt,
    );
    await this.#armFor(purgeAt);
  }

  /** Purges facts whose cookies have all expired, then re-arms for the earliest one left. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ctx.storage.sql.exec("DELETE FROM _ss_revoked WHERE purge_at <= ?", now);
    this.ctx.storage.sql.exec("DELETE FROM _ss_cutoff WHERE purge_at <= ?", now);
    const next = this.ctx.storage.sql
      .exec<{ next: number | null }>(
        "SELECT MIN(next) AS next FROM (SELECT MIN(purge_at) AS next FROM _ss_revoked UNION ALL SELECT purge_at FROM _ss_cutoff)",
      )
      .one().next;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** The same remaining lifetime on this object's clock. */
  #purgeAt(until: number, now: number): number {
    return Date.now() + Math.max(0, until - now);
  }

  /** One alarm per object: move it earlier when this fact expires first. */
  async #armFor(purgeAt: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || purgeAt < current) await this.ctx.storage.setAlarm(purgeAt);
  }
}
