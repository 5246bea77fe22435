/**
 * Load step 5, for a session whose data lives in the server-side store: read its record. One read per
 * request; cookie-only sessions never get here. Missing state never grants access: no record, or one
 * that belongs to another session id now (a copy of a cookie from before a login or a move), is
 * `revoked` — never an empty session. A store that fails or is slow fails closed: `store_unavailable`.
 */
import { failureKind, withTimeout } from "../revocation/policy.ts";
import type { ManagerState } from "../session/config.ts";
import type { Envelope } from "../session/envelope.ts";

export type DataAnswer =
  | {
      readonly data: Record<string, unknown>;
      readonly json: string;
      readonly expiresAt: number;
      readonly version: string | undefined;
    }
  | "revoked"
  | "unavailable";

export async function loadStoredData(
  state: ManagerState,
  envelope: Envelope,
  now: number,
): Promise<DataAnswer> {
  const store = state.store;
  const key = envelope.store!;
  if (!store) return "unavailable"; // a stored session, but this manager has no store: cannot serve it
  let record: Awaited<ReturnType<typeof store.store.get>>;
  try {
    record = await withTimeout(() => store.store.get(key, { now }), store.timeout);
  } catch (error) {
    store.report({ operation: "get", kind: failureKind(error), error, retry: false });
    return "unavailable";
  }
  if (record === null || record.sessionId !== envelope.id || record.expiresAt < now) return "revoked";
  let data: unknown;
  try {
    data = JSON.parse(record.data);
  } catch {
    return "revoked";
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return "revoked";
  const { expiresAt, version } = record;
  return { data: data as Record<string, unknown>, json: record.data, expiresAt, version };
}
