/**
 * Versioned SQLite schemas for this library's Durable Objects. Each class lists its migrations in
 * order; an object runs the ones it has not run yet, each in its own transaction, and records the
 * number it reached in `_ss_schema`. A migration that has run in production is never edited: a
 * change is a new migration at the end of the list. Our tables start with `_ss_` (`_cf_` is reserved).
 */

/** The part of `DurableObjectStorage` migrations need. */
export interface MigratableStorage {
  readonly sql: { exec(query: string, ...bindings: (string | number | null)[]): { toArray(): unknown[] } };
  transactionSync<T>(closure: () => T): T;
}

/** Brings `storage` up to `migrations.length`; returns the version it was at before. */
export function migrate(storage: MigratableStorage, migrations: readonly string[]): number {
  storage.sql.exec(
    "CREATE TABLE IF NOT EXISTS _ss_schema (version INTEGER NOT NULL, applied_at INTEGER NOT NULL)",
  );
  const row = storage.sql.exec("SELECT MAX(version) AS version FROM _ss_schema").toArray()[0] as
    | { version: number | null }
    | undefined;
  const current = row?.version ?? 0;
  if (current > migrations.length) {
    // A rollback to an older release: its code does not know the newer tables. Refuse rather than guess.
    throw new Error(
      `sealed-session: this Durable Object's storage is at schema ${current}, newer than this release knows ` +
        `(${migrations.length}); deploy the release that wrote it or a newer one`,
    );
  }
  for (let version = current + 1; version <= migrations.length; version++) {
    storage.transactionSync(() => {
      storage.sql.exec(migrations[version - 1]!);
      storage.sql.exec("INSERT INTO _ss_schema (version, applied_at) VALUES (?, ?)", version, Date.now());
    });
  }
  return current;
}
