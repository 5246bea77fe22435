/**
 * Loading a session, in steps: read the cookie (or, when it is absent, a previous name's) → open it →
 * accept the envelope → check the registry (logged-in sessions, when one is configured) or revocation
 * → read the data from the store (sessions whose data lives there) → migrate and validate the data
 * (only with a `schema` or data versions).
 * Each step is a function of the manager's state in a file of its own; this composes them and turns
 * every refusal into a new anonymous session with its reason — `load` never throws.
 */
import { type ReadCookie, readSessionCookie } from "../../cookie/read.ts";
import { type ReasonCode, UnsealError } from "../../errors.ts";
import type { CookieBinding, ManagerState } from "../config.ts";
import { FLAG_REGISTERED } from "../envelope.ts";
import { Session } from "../session.ts";
import { type Accepted, acceptEnvelope } from "./accept.ts";
import { openCookie } from "./open.ts";
import { checkRevocation } from "./revocation.ts";
import { checkData, type DataCheck } from "./schema.ts";

export async function loadSession<Data extends object, Flash extends object>(
  state: ManagerState,
  request: Request | Headers,
): Promise<Session<Data, Flash>> {
  if (state.initialCheck) {
    // An async schema's check of the initial data, once: a ConfigError here is a start-up error.
    await state.initialCheck;
    state.initialCheck = undefined;
  }
  const headers = request instanceof Headers ? request : request.headers;
  const { read, binding } = readCookies(state, headers.get("cookie"));
  if (read.problem) return fresh(state, read.present, read.problem, headers);
  if (read.token === undefined) return fresh(state, read.present, undefined, headers);
  const now = state.context.now();
  let accepted: Accepted;
  try {
    const opened = await openCookie(state, read.token, now, binding);
    accepted = acceptEnvelope(state, opened, now);
    // Remember only tokens that opened and hold a well-formed, live envelope.
    if (opened.fresh) state.tokens.set(read.token, opened.opened);
  } catch (error) {
    return fresh(state, read.present, error instanceof UnsealError ? error.code : "malformed", headers);
  }
  const { envelope } = accepted;
  const userAgent = headers.get("user-agent");

  const answer =
    state.registry && envelope.userId !== null
      ? await state.registry.feature.check(state, envelope, userAgent, now)
      : await checkRevocation(state, envelope);
  if (answer === "unavailable") {
    const session = fresh<Data, Flash>(state, read.present, "revocation_unavailable", headers);
    session._readOnly = true;
    return session;
  }
  if (answer === "revoked") {
    state.tokens.delete(read.token);
    return fresh(state, read.present, "revoked", headers);
  }
  let stored:
    | { readonly json: string; readonly expiresAt: number; readonly version?: string | undefined }
    | undefined;
  if (envelope.store !== undefined) {
    // A cookie that points at a store this manager lacks cannot be read: as if the store were down.
    const answer = state.store ? await state.store.feature.load(state, envelope, now) : "unavailable";
    if (answer === "unavailable") {
      const session = fresh<Data, Flash>(state, read.present, "store_unavailable", headers);
      session._readOnly = true;
      return session;
    }
    if (answer === "revoked") {
      state.tokens.delete(read.token);
      return fresh(state, read.present, "revoked", headers);
    }
    envelope.data = answer.data;
    stored = answer;
  }
  // Free without a schema or data versions: one comparison.
  let checked: DataCheck = "valid";
  if (state.schema || envelope.dataVersion !== state.dataVersion) checked = await checkData(state, envelope);
  if (checked === "invalid") {
    // A stricter schema must never log anybody out: keep the session, reset only its data.
    report(state, "invalid_data");
    envelope.data = state.context.initialData?.() ?? {};
    envelope.dataVersion = state.dataVersion;
  }

  const session = new Session<Data, Flash>(state.context, envelope, {
    isNew: false,
    invalidReason: checked === "invalid" ? "invalid_data" : undefined,
    present: read.present,
    loadedJson: snapshot(envelope.data, envelope.flash ?? {}),
  });
  // Read under a previous name: write it under the current one (which clears the old).
  session._reseal = accepted.reseal || binding !== state.current || checked === "migrated";
  if (checked === "invalid") session._dirty = true;
  if (checked === "newer") {
    // Written by a newer release (a rolling deploy): serve it, but leave its cookie and record alone.
    session._readOnly = true;
    session._readOnlyWhy = "its data was written by a newer `dataVersion` than this instance knows";
  }
  session._token = read.token;
  session._arrivedBytes = read.bytes;
  session._userAgent = userAgent;
  if (stored !== undefined) {
    session._storeOwner = envelope.id;
    session._storeBase = stored.json;
    session._storeExpiresAt = stored.expiresAt;
    session._storeVersion = stored.version;
  }
  if (state.registry && envelope.userId !== null) {
    session._registeredId = envelope.id;
    // Adopted now: say so in the cookie, so later requests check rather than adopt.
    if (answer === "adopted") {
      envelope.flags |= FLAG_REGISTERED;
      session._reseal = true;
    }
  }
  return session;
}

/** A new anonymous session; with a reason, the request's cookie was refused (and `onInvalid` hears of it). */
function fresh<Data extends object, Flash extends object>(
  state: ManagerState,
  present: readonly string[],
  invalidReason: ReasonCode | undefined,
  headers: Headers,
): Session<Data, Flash> {
  if (invalidReason !== undefined) report(state, invalidReason);
  const session = new Session<Data, Flash>(state.context, Session._fresh(state.context), {
    isNew: true,
    invalidReason,
    present,
    // An untouched new session is unchanged: commit must not write it.
    loadedJson: state.context.initialData ? state.initialSnapshot : EMPTY_SNAPSHOT,
  });
  // Only with a registry: it labels the device a login registers.
  if (state.registry) session._userAgent = headers.get("user-agent");
  return session;
}

/** Tells `onInvalid` (if any) why a cookie or its data was refused. */
function report(state: ManagerState, reason: ReasonCode): void {
  if (!state.onInvalid) return;
  try {
    state.onInvalid({ reason, cookie: state.cookie.name });
  } catch (error) {
    console.error("sealed-session: onInvalid threw", error);
  }
}

/**
 * Reads the current cookie; when the request has none, the first previous name it carries
 * (`cookie.previousNames`). `present` lists every cookie of all those families, so a write clears
 * the old ones.
 */
function readCookies(
  state: ManagerState,
  header: string | null,
): { read: ReadCookie; binding: CookieBinding } {
  const read = readSessionCookie(header, state.cookie);
  if (state.previous.length === 0 || header === null) return { read, binding: state.current };
  let found: { read: ReadCookie; binding: CookieBinding } | undefined;
  const present = [...read.present];
  for (const binding of state.previous) {
    const old = readSessionCookie(header, binding.cookie);
    present.push(...old.present);
    if (found === undefined && read.token === undefined && !read.problem && old.present.length > 0) {
      found = { read: old, binding };
    }
  }
  const chosen = found ?? { read, binding: state.current };
  return { read: { ...chosen.read, present }, binding: chosen.binding };
}

/** What `commit` compares the session's data and flash with, to see whether anything changed. */
export function snapshot(data: Record<string, unknown>, flash: Record<string, unknown>): string {
  const flashJson = Object.keys(flash).length > 0 ? JSON.stringify(flash) : undefined;
  return `${JSON.stringify(data)}\u0000${flashJson ?? ""}`;
}

const EMPTY_SNAPSHOT = snapshot({}, {});
