/**
 * Load step 6, only with a `schema` or a data version to reconcile: upgrade older data with
 * `migrate` (one version a call), then validate it against the schema. Data that cannot be upgraded
 * or fails the schema is `invalid` — the caller resets only the data, keeping id, user and expiry —
 * and data from a newer version than this manager knows (a rolling deploy) is `newer`: loaded as it
 * is, read-only. A manager with neither schema nor versions never gets here.
 */
import { toJson } from "../../lib/json.ts";
import type { ManagerState } from "../config.ts";
import type { Envelope } from "../envelope.ts";

export type DataCheck =
  /** Valid as it came. */
  | "valid"
  /** Upgraded (and valid): write it anew. */
  | "migrated"
  | "invalid"
  | "newer";

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Replaces `envelope.data` with the upgraded, validated data (the schema's output). Never throws. */
export async function checkData(state: ManagerState, envelope: Envelope): Promise<DataCheck> {
  if (envelope.dataVersion > state.dataVersion) return "newer";
  let data: Record<string, unknown> = envelope.data;
  const migrated = envelope.dataVersion < state.dataVersion;
  if (migrated) {
    try {
      for (let version = envelope.dataVersion; version < state.dataVersion; version++) {
        const next: unknown = await state.migrate!(data, version);
        if (!isPlainObject(next)) return "invalid";
        data = next;
      }
      // What a migration returns must be storable, like anything assigned to `session.data`.
      toJson(data);
    } catch {
      // The app's migration threw on this data: it cannot be upgraded, so it is reset, not fatal.
      return "invalid";
    }
  }
  if (state.schema) {
    let result: Awaited<ReturnType<(typeof state.schema)["~standard"]["validate"]>>;
    try {
      const pending = state.schema["~standard"].validate(data);
      result = pending instanceof Promise ? await pending : pending;
    } catch {
      return "invalid";
    }
    if (result.issues || !isPlainObject(result.value)) return "invalid";
    data = result.value;
  }
  envelope.data = data;
  envelope.dataVersion = state.dataVersion;
  return migrated ? "migrated" : "valid";
}
