/**
 * Starting a refresh-token family from the manager: `issueToken(session, { refresh: true })` and
 * `create(userId)`. It comes with the `tokens` option (`Tokens._refresh`), as the flows do, so an app
 * without refresh tokens bundles none of it. A family keeps the `authAt` of the session it came from;
 * it is linked to that session's registry entry, so the session's logout ends it and a reuse of its
 * tokens ends the session — but `login()` and `regenerate()` on the session leave it alone.
 */
import { SessionDestroyedError } from "../errors.ts";
import { type RefreshContext, startFamily } from "./refresh.ts";
import type { ClaimValue, TokenPair } from "./types.ts";

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

/** What a family takes from the cookie session it starts from (a `Session`; tokens never import it). */
export interface FamilyParent {
  readonly isDestroyed: boolean;
  readonly userId: string | undefined;
  readonly _loggedIn: boolean;
  readonly _registeredId: string | undefined;
  readonly _envelope: { readonly authAt: number | null; readonly issuedAt: number };
}

/** The family's first pair, from a logged-in cookie session. */
export function issueFamily(
  context: RefreshContext,
  session: FamilyParent,
  options: FamilyOptions,
): Promise<TokenPair<Claims>> {
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
  return startFamily(
    context,
    { userId, authAt: envelope.authAt ?? envelope.issuedAt, parent },
    { label: options.label, claims: options.claims as Partial<Claims> | undefined },
  );
}

/** A family for a client that never had a cookie: the app authenticated `userId` its own way, now. */
export function createFamily(
  context: RefreshContext,
  userId: string,
  options: FamilyOptions = {},
  /** When it was authenticated: after any "log out everywhere" the manager wrote, as a login is. */
  issueTime: () => number = context.now,
): Promise<TokenPair<Claims>> {
  if (typeof userId !== "string" || userId.length === 0) {
    throw new TypeError("sealed-session: create(userId) needs a non-empty string");
  }
  const authAt = issueTime();
  return startFamily(
    context,
    { userId, authAt, parent: undefined },
    { label: options.label, claims: options.claims as Partial<Claims> | undefined },
  );
}
