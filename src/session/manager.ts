/**
 * `createSessions`: checks the options once (config.ts), then composes the load pipeline (load/)
 * and the commit pipeline (commit/). Each step lives in a file of its own; this file only wires them.
 */
import { csrfToken, verifyCsrfToken } from "../csrf/token.ts";
import { ConfigError } from "../errors.ts";
import type { SessionInfo } from "../registry/types.ts";
import { RevocationWriteError } from "../revocation/policy.ts";
import type { ClaimValue, IssuedToken, PublicJwks, Tokens, TokenVerification } from "../token/types.ts";
import { serialize } from "./commit/decide.ts";
import { type CommitOptions, type CommitResult, commitSession } from "./commit/index.ts";
import { writeRevocation } from "./commit/revoke.ts";
import { cookieBytes } from "./commit/seal.ts";
import { configure, type ManagerState, type SessionsOptions } from "./config.ts";
import { endOtherSessions, endSession, endSessions, listSessions } from "./devices.ts";
import { encodeEnvelope } from "./envelope.ts";
import { loadSession } from "./load/index.ts";
import type { Session } from "./session.ts";

export type { CommitOptions, CommitResult, SessionsOptions };

export interface Sessions<Data extends object, Flash extends object> {
  /** The full cookie name, prefix included. */
  readonly cookieName: string;
  /** Reads the request's session. Never throws: a bad cookie gives a new session with `invalidReason`. */
  load(request: Request | Headers): Promise<Session<Data, Flash>>;
  /**
   * Appends the `Set-Cookie` headers the session needs (none when nothing changed) and
   * `Cache-Control`. Throws `CookieTooLargeError` when the session does not fit.
   */
  commit(session: Session<Data, Flash>, headers: Headers, options?: CommitOptions): Promise<CommitResult>;
  /**
   * "Log out everywhere": revokes every session of `userId` issued up to now, on every device. Sessions
   * this manager issues afterwards (a login in the same request included) are not affected. Needs a
   * `revocation` store; throws `RevocationWriteError` when the store cannot record it.
   */
  revokeUser(userId: string, options?: CommitOptions): Promise<void>;
  /** Bytes of cookie (names and values) the session would take if committed now. No crypto. */
  estimateSize(session: Session<Data, Flash>): number;
  /** Issues a bearer token for a logged-in session (`tokens` option). Throws `TypeError` when anonymous. */
  issueToken(
    session: Session<Data, Flash>,
    options?: { readonly claims?: Record<string, ClaimValue | undefined> },
  ): Promise<IssuedToken<Record<string, ClaimValue>>>;
  /** Verifies a request's `Authorization: Bearer` token (or a token). Never throws for a bad token. */
  verifyToken(
    input: Request | Headers | string | null | undefined,
  ): Promise<TokenVerification<Record<string, ClaimValue>>>;
  /** The public keys of signed tokens, for `/.well-known/jwks.json`. */
  jwks(): Promise<PublicJwks>;
  /**
   * The live sessions of a session's user (`current` marks that one), or of a user id (an admin's
   * view), newest first. Needs a `registry`; throws `RegistryUnavailableError` when it fails.
   */
  listSessions(target: Session<Data, Flash> | string): Promise<SessionInfo[]>;
  /**
   * Ends one of the user's sessions by its handle (`SessionInfo.id`): `false` when the user has no
   * such session — answer 404. The device is anonymous (`revoked`) on its next request.
   */
  endSession(target: Session<Data, Flash> | string, handle: string): Promise<boolean>;
  /** "Log out other devices": ends every session of this session's user but this one. Returns how many. */
  endOtherSessions(session: Session<Data, Flash>): Promise<number>;
  /**
   * Ends every session of `userId` (an admin, a disabled account). A login that reaches the
   * registry afterwards survives. Returns how many ended. `revokeUser` does the same.
   */
  endAllSessions(userId: string): Promise<number>;
  /**
   * The session's CSRF token, for a hidden `_csrf` field or an `x-csrf-token` header (see
   * `checkCsrf`). Derived from the session id, so it needs no storage and changes on `login`;
   * asking for one persists a new anonymous session, or its token would change on every request.
   */
  csrfToken(session: Session<Data, Flash>): Promise<string>;
  /** Whether `token` is this session's CSRF token (constant-time, any listed secret). */
  verifyCsrfToken(session: Session<Data, Flash>, token: string | null | undefined): Promise<boolean>;
}

/**
 * Creates a session manager. Validates every option now, so a misconfiguration fails at start-up
 * with a message that says how to fix it, never on a user's request.
 */
export function createSessions<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
>(options: SessionsOptions<Data> | SessionsOptions<object>): Sessions<Data, Flash> {
  const state = configure(options);
  return {
    cookieName: state.cookie.name,
    load: (request) => loadSession<Data, Flash>(state, request),
    commit: (session, headers, commitOptions = {}) => commitSession(state, session, headers, commitOptions),
    revokeUser: (userId, revokeOptions = {}) => revokeUser(state, userId, revokeOptions),
    estimateSize: (session) => estimateSize(state, session),
    issueToken: async (session, issueOptions) => bearer(state).issue(session, issueOptions),
    verifyToken: async (input) => bearer(state).verify(input),
    jwks: async () => bearer(state).jwks(),
    listSessions: (target) => listSessions(state, target),
    endSession: (target, handle) => endSession(state, target, handle),
    endOtherSessions: (session) => endOtherSessions(state, session),
    endAllSessions: async (userId) => {
      if (typeof userId !== "string" || userId.length === 0) {
        throw new TypeError("sealed-session: endAllSessions(userId) needs a non-empty string");
      }
      return endSessions(state, userId, undefined);
    },
    csrfToken: (session) => csrfToken(state, session),
    verifyCsrfToken: (session, token) => verifyCsrfToken(state, session, token),
  };
}

function bearer(state: ManagerState): Tokens {
  if (state.bearer === undefined)
    throw new ConfigError("bearer tokens need the `tokens` option of createSessions");
  return state.bearer;
}

async function revokeUser(state: ManagerState, userId: string, options: CommitOptions): Promise<void> {
  const { revocation } = state;
  if (typeof userId !== "string" || userId.length === 0) {
    throw new TypeError("sealed-session: revokeUser(userId) needs a non-empty string");
  }
  if (state.registry) {
    // Exact over the registry; to the caller, its failure is a failed revocation write.
    try {
      await endSessions(state, userId, undefined);
    } catch (error) {
      throw new RevocationWriteError("revokeUser", false, error instanceof Error ? error.cause : error);
    }
    if (!revocation) return;
  }
  if (!revocation) {
    throw new ConfigError(
      "revokeUser() needs a `revocation` store or a `registry` in createSessions(options)",
    );
  }
  // At or after any id issued so far, so "issued up to now" includes this very millisecond.
  const cutoff = state.context.issueTime!();
  state.lastCutoff = Math.max(state.lastCutoff, cutoff);
  const until = cutoff + state.context.maxAge * 1000 + state.toleranceMs;
  const failed = await writeRevocation(
    state,
    "revokeUser",
    () => revocation.store.revokeUser({ userId, cutoff, until }),
    options.waitUntil,
  );
  if (failed) throw failed;
}

/** Bytes of cookie (names and values) a commit would write now, from lengths alone: no crypto. */
function estimateSize(state: ManagerState, session: Session<object, object>): number {
  const { dataJson, flashJson } = serialize(session);
  return cookieBytes(state, encodeEnvelope(session._envelope, dataJson, flashJson));
}
