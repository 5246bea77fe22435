/**
 * `createSessions`: checks the options once (config.ts), then composes the load pipeline (load/)
 * and the commit pipeline (commit/). Each step lives in a file of its own; this file only wires them.
 */
import { csrfToken, verifyCsrfToken } from "../csrf/token.ts";
import { ConfigError } from "../errors.ts";
import type { RegistryFeature } from "../registry/feature.ts";
import type { SessionInfo } from "../registry/types.ts";
import { RevocationWriteError } from "../revocation/policy.ts";
import type { FamilyOptions, RefreshClaimsInput } from "../token/family.ts";
import type { RefreshContext } from "../token/refresh.ts";
import type { RefreshCapable, RefreshEngine } from "../token/session-tokens.ts";
import type {
  ClaimValue,
  IssuedToken,
  PublicJwks,
  RefreshResult,
  TokenPair,
  Tokens,
  TokenVerification,
} from "../token/types.ts";
import { serialize } from "./commit/decide.ts";
import { type CommitOptions, type CommitResult, commitSession } from "./commit/index.ts";
import { writeRevocation } from "./commit/revoke.ts";
import { cookieBytes } from "./commit/seal.ts";
import { configure, type ManagerState, type SessionsOptions } from "./config.ts";
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
  /**
   * Issues a bearer token for a logged-in session (`tokens` option). Throws `TypeError` when anonymous.
   * With `refresh: true` (`sessionTokens({ refresh })`), starts a refresh-token family from the session
   * instead — listed among the user's devices as `label` — and returns its first pair.
   */
  issueToken(
    session: Session<Data, Flash>,
    options: FamilyOptions & { readonly refresh: true },
  ): Promise<TokenPair<Record<string, ClaimValue>>>;
  issueToken(
    session: Session<Data, Flash>,
    options?: { readonly refresh?: false; readonly claims?: Record<string, ClaimValue | undefined> },
  ): Promise<IssuedToken<Record<string, ClaimValue>>>;
  /**
   * Starts a refresh-token family for a client that never had a cookie (a native app, a CLI), once the
   * app has authenticated `userId` its own way (a password, a device code); returns its first pair.
   * Needs `sessionTokens({ ..., refresh })`. Throws `RegistryUnavailableError` when it cannot be recorded.
   */
  create(userId: string, options?: FamilyOptions): Promise<TokenPair<Record<string, ClaimValue>>>;
  /**
   * Exchanges a refresh token for a new pair and spends it. Never throws for a bad token or a failing
   * store: `{ ok: false, reason }`. `refresh_reused`: it was already spent, so its family — and by
   * default the session it was issued from — is now over. `claims` are the new access token's.
   */
  refresh(
    refreshToken: string | null | undefined,
    options?: { readonly claims?: RefreshClaimsInput },
  ): Promise<RefreshResult<Record<string, ClaimValue>>>;
  /**
   * Ends a refresh token's family (the client logs out): its refresh tokens and access tokens stop
   * working. `false` when the token is not one of ours or its family is not live.
   */
  revokeRefreshToken(refreshToken: string | null | undefined): Promise<boolean>;
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
    issueToken: (async (
      session: Session<Data, Flash>,
      issueOptions?: FamilyOptions & { readonly refresh?: boolean },
    ) =>
      issueOptions?.refresh === true
        ? withFamilies(state, "issueToken(session, { refresh: true })", (engine, context) =>
            engine.issue(context, session, issueOptions),
          )
        : bearer(state).issue(session, issueOptions)) as Sessions<Data, Flash>["issueToken"],
    create: async (userId, familyOptions) =>
      withFamilies(state, "sessions.create(userId)", (engine, context) =>
        engine.create(context, userId, familyOptions, state.context.issueTime),
      ),
    refresh: async (refreshToken, refreshOptions: { readonly claims?: RefreshClaimsInput } = {}) =>
      withFamilies(state, "sessions.refresh(refreshToken)", (engine, context) =>
        engine.exchange(context, refreshToken, refreshOptions.claims),
      ),
    revokeRefreshToken: async (refreshToken) =>
      withFamilies(state, "sessions.revokeRefreshToken(refreshToken)", (engine, context) =>
        engine.end(context, refreshToken),
      ),
    verifyToken: async (input) => bearer(state).verify(input),
    jwks: async () => bearer(state).jwks(),
    listSessions: async (target) => registry(state, "listSessions()").list(state, target),
    endSession: async (target, handle) => registry(state, "endSession()").end(state, target, handle),
    endOtherSessions: async (session) => registry(state, "endOtherSessions()").endOthers(state, session),
    endAllSessions: async (userId) => {
      if (typeof userId !== "string" || userId.length === 0) {
        throw new TypeError("sealed-session: endAllSessions(userId) needs a non-empty string");
      }
      return registry(state, "endAllSessions()").endAll(state, userId, undefined);
    },
    csrfToken: (session) => csrfToken(state, session),
    verifyCsrfToken: (session, token) => verifyCsrfToken(state, session, token),
  };
}

/** The registry's code, which comes with the backend (see lib/feature.ts). */
function registry(state: ManagerState, what: string): RegistryFeature {
  if (!state.registry) throw new ConfigError(`${what} needs a \`registry\` in createSessions(options)`);
  return state.registry.feature;
}

/** Runs a refresh-token call: its code comes with `sessionTokens({ refresh })` (src/token/family.ts). */
function withFamilies<T>(
  state: ManagerState,
  what: string,
  run: (engine: RefreshEngine, context: RefreshContext) => T,
): T {
  const bearer = state.bearer as (Tokens & RefreshCapable) | undefined;
  if (bearer === undefined) throw new ConfigError(`${what} needs the \`tokens\` option of createSessions`);
  const engine = bearer._refresh;
  if (engine === undefined) {
    throw new ConfigError(`${what} needs refresh tokens: sessionTokens({ ..., refresh: true })`);
  }
  return run(engine, {
    refresh: engine.config,
    keyring: state.keyring,
    bearer,
    registry: state.registry,
    revocation: state.revocation,
    now: state.context.now,
    toleranceMs: state.toleranceMs,
    forget: (id) => state.registryChecked.delete(id),
  });
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
      await state.registry.feature.endAll(state, userId, undefined);
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
