/**
 * Commit step 1: decide what this response must do with the session's cookie — leave it, clear it,
 * or write it — without any crypto. Serializing the data (which also validates it) happens here, so
 * a change made in place (`session.data.cart.push(…)`) is seen.
 */
import { toJson } from "../../lib/json.ts";
import type { ManagerState } from "../config.ts";
import type { Session } from "../session.ts";

export type Decision =
  /** Nothing to write; the response still depends on the session when the request carried a cookie. */
  | { readonly kind: "leave" }
  /** The request's cookie was refused: clear it. */
  | { readonly kind: "clear" }
  /** `destroy()`: clear the cookie and revoke the id. */
  | { readonly kind: "destroy" }
  /**
   * Seal and set the cookie. `loaded` is the new snapshot of data and flash; `changed` is false for
   * a write that only re-seals or refreshes what the browser already holds. `sameCookie`: only the
   * data of a session kept in the store changed — its record takes the change, and its cookie (id,
   * times, record key, flash) would say nothing new, so it is not sealed again.
   */
  | {
      readonly kind: "write";
      readonly changed: boolean;
      readonly sameCookie: boolean;
      readonly dataJson: string;
      readonly flashJson: string | undefined;
      readonly loaded: string;
    };

const LEAVE: Decision = { kind: "leave" };
const CLEAR: Decision = { kind: "clear" };
const DESTROY: Decision = { kind: "destroy" };

/** Data and flash as JSON, validated; `loaded` is what `_loadedJson` is compared with. */
export function serialize(session: Session<object, object>) {
  const dataJson = toJson(session._data);
  const flashJson = Object.keys(session._flash).length > 0 ? toJson(session._flash, "flash") : undefined;
  return { dataJson, flashJson, loaded: `${dataJson}\u0000${flashJson ?? ""}` };
}

const flashOf = (snapshot: string) => snapshot.slice(snapshot.indexOf("\u0000") + 1);

/** Throws `DataError` when the data cannot be stored as JSON. */
export function decide(state: ManagerState, session: Session<object, object>, now: number): Decision {
  // A session whose revocation could not be checked: neither write nor clear (an outage logs nobody out).
  if (session._readOnly) return LEAVE;
  if (session._destroyed) return DESTROY;
  const { dataJson, flashJson, loaded } = serialize(session);
  const changed = session._dirty || loaded !== session._loadedJson;
  const envelope = session._envelope;
  const idleTimeout = state.context.idleTimeout;
  const refreshDue =
    !session.isNew &&
    idleTimeout !== undefined &&
    now - (envelope.issuedAt + envelope.seen * 1000) >= state.refreshAfter * 1000;
  const empty = session.isNew && !changed && Object.keys(session._data).length === 0;
  if (empty || !(changed || refreshDue || session._reseal)) {
    return session.invalidReason !== undefined && session._present.length > 0 ? CLEAR : LEAVE;
  }
  const sameCookie =
    envelope.store !== undefined &&
    session._storeOwner === envelope.id &&
    !(session._dirty || session._reseal || refreshDue) &&
    session._loadedJson !== undefined &&
    flashOf(loaded) === flashOf(session._loadedJson);
  return { kind: "write", changed, sameCookie, dataJson, flashJson, loaded };
}
