/**
 * The manager's refresh-token calls (`issueToken(session, { refresh: true })`, `create`, `refresh`,
 * `revokeRefreshToken`): the manager's state turned into what src/token/refresh.ts needs. A family
 * keeps the `authAt` of the session it came from; it is linked to that session's registry entry, so
 * the session's logout ends it and a reuse of its tokens ends the session — but `login()` and
 * `regenerate()` on the session leave it alone.
 */
import { ConfigError, SessionDestroyedError } from "../errors.ts";
// Types only: the flows come with the `tokens` option (`Tokens._refresh`), so an app without tokens bundles none.
import type { RefreshContext } from "../token/refresh.ts";
import type { RefreshCapable, RefreshEngine } from "../token/session-tokens.ts";
import type { ClaimValue, RefreshResult, TokenPair } from "../token/types.ts";
import type { ManagerState } from "./config.ts";
import type { Session } from "./session.ts";

type Claims = Record<string, ClaimValue>;
/** Custom claims for a family's access tokens: values, or a function of the user id. */
export type RefreshClaimsInput =
  | Partial<Claims>
  | ((userId: string) => Partial<Claims> | Promise<Partial<Claims>>);

export interface FamilyOptions {
  /** How the family shows in the device list ("CLI", "Ada's phone"): at most 64 characters, plain text. */
  readonly label?: string;
  /** Custom claims of its first access token (listed in `claims`). */
  readonly claims?: Record<string, ClaimValue | undefined>;
}

function contextOf(state: ManagerState, what: string): { engine: RefreshEngine; context: RefreshContext } {
  const bearer = state.bearer as (ManagerState["bearer"] & RefreshCapable) | undefined;
  if (bearer === undefined) throw new ConfigError(`${what} needs the \`tokens\` option of createSessions`);
  const engine = bearer._refresh;
  if (engine === undefined) {
    throw new ConfigError(`${what} needs refresh tokens: sessionTokens({ ..., refresh: true })`);
  }
  const context: RefreshContext = {
    refresh: engine.config,
    keyring: state.keyring,
    bearer,
    registry: state.registry,
    revocation: state.revocation,
    now: state.context.now,
    toleranceMs: state.toleranceMs,
    forget: (id) => state.registryChecked.delete(id),
  };
  return { engine, context };
}

/** The family's first pair, from a logged-in cookie session. */
export function issueFamily(
  state: ManagerState,
  session: Session<object, object>,
  options: FamilyOptions,
): Promise<TokenPair<Claims>> {
  const { engine, context } = contextOf(state, "issueToken(session, { refresh: true })");
  if (session.isDestroyed) throw new SessionDestroyedError("issue a refresh token for");
  const userId = session.userId;
  if (userId === undefined) {
    throw new TypeError(
      "sealed-session: tokens are issued for logged-in sessions only; check session.userId first",
    );
  }
  let parent: string | undefined;
  if (context.refresh.mode === "registry") {
    // The family is linked to the session's registry entry, which a login in this very request has not made yet.
    if (session._loggedIn || session._registeredId === undefined) {
      throw new TypeError(
        "sealed-session: this session logged in during this request and is not registered yet: issue refresh " +
          "tokens on a later request, or use sessions.create(userId) for a client that has no cookie",
      );
    }
    parent = session._registeredId;
  }
  const envelope = session._envelope;
  return engine.start(
    context,
    { userId, authAt: envelope.authAt ?? envelope.issuedAt, parent },
    { label: options.label, claims: options.claims as Partial<Claims> | undefined },
  );
}

/** A family for a client that never had a cookie: the app authenticated `userId` its own way, now. */
export function createFamily(
  state: ManagerState,
  userId: string,
  options: FamilyOptions = {},
): Promise<TokenPair<Claims>> {
  const { engine, context } = contextOf(state, "sessions.create(userId)");
  if (typeof userId !== "string" || userId.length === 0) {
    throw new TypeError("sealed-session: create(userId) needs a non-empty string");
  }
  // After any "log out everywhere" this manager wrote, like a login.
  const authAt = (state.context.issueTime ?? state.context.now)();
  return engine.start(
    context,
    { userId, authAt, parent: undefined },
    { label: options.label, claims: options.claims as Partial<Claims> | undefined },
  );
}

export function refreshFamily(
  state: ManagerState,
  refreshToken: unknown,
  options: { readonly claims?: RefreshClaimsInput } = {},
): Promise<RefreshResult<Claims>> {
  const { engine, context } = contextOf(state, "sessions.refresh(refreshToken)");
  return engine.exchange(context, refreshToken, options.claims);
}

export function revokeFamily(state: ManagerState, refreshToken: unknown): Promise<boolean> {
  const { engine, context } = contextOf(state, "sessions.revokeRefreshToken(refreshToken)");
  return engine.end(context, refreshToken);
}
