/**
 * `SessionDataStore`: one stored session's data in a Durable Object with SQLite storage. One object per
 * session record (named by the record's random key, see store-client.ts), because what must be atomic is
 * one session's patches, and nothing ever spans two sessions: concurrent requests of one session (a
 * cart filled from several tabs) queue in its object, while sessions never contend with each other —
 * no hot shard, no cross-user lock. An alarm deletes the record when its session has expired.
 *
 * Apps re-export the class from their Worker's main module and bind it (docs/cloudflare.md):
 *   export { SessionDataStore } from "sealed-session/cloudflare";
 *
 * Schema 1:
 *   _ss_record(id = 1, session_id, data, expires_at, purge_at)
 */
import { DurableObject } from "cloudflare:workers";
import { applyPatch, isPatch } from "../store/patch.ts";
import type { PatchOutcome, PatchRequest, StoredRecord } from "../store/types.ts";
import { migrate } from "./schema.ts";

const MIGRATIONS = [
  `CREATE TABLE _ss_record (id INTEGER PRIMARY KEY CHECK (id = 1), session_id TEXT NOT NULL,
     data TEXT NOT NULL, expires_at INTEGER NOT NULL, purge_at INTEGER NOT NULL);`,
];

/** A SQLite row holds at most 2 MB: keep a margin for the other columns. */
const ROW_LIMIT = 2_000_000;
const OK: PatchOutcome = { ok: true };

const isTime = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isId = (value: unknown): value is string =>
  typeof value === "string" && value.length > 0 && value.length <= 128;

function check(ok: boolean, method: string): void {
  // Only this library's client calls these methods; anything else is a bug, not a user's input.
  if (!ok) throw new TypeError(`sealed-session: SessionDataStore.${method} got bad arguments`);
}

interface Row {
  session_id: string;
  data: string;
  expires_at: number;
  [column: string]: SqlStorageValue;
}

export class SessionDataStore extends DurableObject<unknown> {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  get(now: number): StoredRecord | null {
    check(isTime(now), "get");
    const row = this.#row(now);
    return row === null ? null : { sessionId: row.session_id, data: row.data, expiresAt: row.expires_at };
  }

  async create(record: StoredRecord, now: number, maxBytes: number): Promise<PatchOutcome> {
    check(
      typeof record === "object" &&
        record !== null &&
        isId(record.sessionId) &&
        typeof record.data === "string" &&
        isTime(record.expiresAt) &&
        isTime(now) &&
        isTime(maxBytes),
      "create",
    );
    if (this.#row(now) !== null)
      throw new Error("sealed-session: SessionDataStore.create: the record exists");
    const bytes = new TextEncoder().encode(record.data).length;
    if (bytes > Math.min(maxBytes, ROW_LIMIT)) return { ok: false, reason: "too_large", bytes };
    this.#write(record.sessionId, record.data, record.expiresAt, now);
    await this.#arm(record.expiresAt, now);
    return OK;
  }

  async patch(request: PatchRequest, now: number, maxBytes: number): Promise<PatchOutcome> {
    check(
      typeof request === "object" &&
        request !== null &&
        isId(request.sessionId) &&
        isPatch(request.patch) &&
        (request.moveTo === undefined || isId(request.moveTo)) &&
        isTime(request.expiresAt) &&
        isTime(now) &&
        isTime(maxBytes),
      "patch",
    );
    const row = this.#row(now);
    if (row === null) return { ok: false, reason: "missing" };
    if (row.session_id !== request.sessionId) return { ok: false, reason: "moved" };
    // Read, apply and write with no await in between: other calls to this object wait their turn.
    const applied = applyPatch(row.data, request.patch, Math.min(maxBytes, ROW_LIMIT));
    if (!applied.ok) return applied;
    this.#write(request.moveTo ?? request.sessionId, applied.data, request.expiresAt, now);
    await this.#arm(request.expiresAt, now);
    return OK;
  }

  async touch(sessionId: string, now: number, expiresAt: number): Promise<boolean> {
    check(isId(sessionId) && isTime(now) && isTime(expiresAt), "touch");
    const row = this.#row(now);
    if (row === null || row.session_id !== sessionId) return false;
    const until = Math.max(row.expires_at, expiresAt);
    this.ctx.storage.sql.exec(
      "UPDATE _ss_record SET expires_at = ?, purge_at = ? WHERE id = 1",
      until,
      this.#purgeAt(until, now),
    );
    await this.#arm(until, now);
    return true;
  }

  async delete(): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM _ss_record");
    await this.ctx.storage.deleteAlarm();
  }

  /** Deletes the record once its session has expired; re-arms if it was extended meanwhile. */
  override async alarm(): Promise<void> {
    const row = this.ctx.storage.sql
      .exec<{ purge_at: number }>("SELECT purge_at FROM _ss_record WHERE id = 1")
      .toArray()[0];
    if (row === undefined) return;
    if (row.purge_at <= Date.now()) this.ctx.storage.sql.exec("DELETE FROM _ss_record");
    else await this.ctx.storage.setAlarm(row.purge_at);
  }

  #row(now: number): Row | null {
    const row = this.ctx.storage.sql
      .exec<Row>("SELECT session_id, data, expires_at FROM _ss_record WHERE id = 1")
      .toArray()[0];
    return row === undefined || row.expires_at < now ? null : row;
  }

  #write(sessionId: string, data: string, expiresAt: number, now: number): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO _ss_record (id, session_id, data, expires_at, purge_at) VALUES (1, ?1, ?2, ?3, ?4)
       ON CONFLICT (id) DO UPDATE SET session_id = ?1, data = ?2, expires_at = ?3, purge_at = ?4`,
      sessionId,
      data,
      expiresAt,
      this.#purgeAt(expiresAt, now),
    );
  }

  /** The same remaining lifetime on this object's clock. */
  #purgeAt(until: number, now: number): number {
    return Date.now() + Math.max(0, until - now);
  }

  /**
   * One record per object, so one alarm. Moved only when the record must go sooner: an alarm that
   * fires before a later purge time just re-arms (see `alarm`), so an idle refresh writes no alarm.
   */
  async #arm(expiresAt: number, now: number): Promise<void> {
    const purgeAt = this.#purgeAt(expiresAt, now);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || purgeAt < current) await this.ctx.storage.setAlarm(purgeAt);
  }
}
