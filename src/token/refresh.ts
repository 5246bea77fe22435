/**
 * Refresh-token families: start one (from a cookie session, or for a client that never had a
 * cookie), exchange a refresh token for a new pair (rotation on every use, reuse detection), end
 * one. With a registry (mode "registry") a family is a registry session of kind "refresh", and each
 * exchange is one atomic `advance`; with a revocation store alone (mode "revocation", opted in with
 * `bestEffort`) spends and endings are revocation facts, and one-time use is only as good as the
 * store's consistency. No bearer secret is stored anywhere: the server keeps a generation number.
 */
import { RegistryUnavailableError, SessionError } from "../errors.ts";
import type { Keyring } from "../keyring.ts";
import { b64u, randomBytes } from "../lib/bytes.ts";
import { cleanLabel } from "../registry/label.ts";
import type { ResolvedRegistry } from "../registry/policy.ts";
import type { RegistryAdvance } from "../registry/types.ts";
import {
  failureKind,
  type ResolvedRevocation,
  RevocationWriteError,
  withTimeout,
} from "../revocation/policy.ts";
import type { ResolvedRefresh } from "./refresh-config.ts";
import { openRefreshToken, type RefreshClaims, RefreshRefused, sealRefreshToken } from "./refresh-token.ts";
import type { ClaimValue, RefreshResult, TokenPair, Tokens } from "./types.ts";

type Claims = Record<string, ClaimValue>;
type Custom = Partial<Claims> | undefined;

/** What the flows need from the manager, built per call from its state. */
export interface RefreshContext {
  readonly refresh: ResolvedRefresh;
  readonly keyring: Keyring;
  readonly bearer: Tokens;
  readonly registry: ResolvedRegistry | undefined;
  readonly revocation: ResolvedRevocation | undefined;
  readonly now: () => number;
  readonly toleranceMs: number;
  /** Forget this isolate's "still live" answer for an ended session id. */
  readonly forget: (sessionId: string) => void;
}

/** Who a family belongs to and what it came from. */
export interface FamilySource {
  readonly userId: string;
  /** When the user authenticated (ms): kept by the family, carried by its access tokens. */
  readonly authAt: number;
  /** The registered id of the cookie session it is issued from, if any. */
  readonly parent: string | undefined;
}

/** A refresh-token family's id: 128 random bits, like a session id (access tokens carry it as `sid`). */
const newFamilyId = (): string => b64u(randomBytes(16));

/** Starts a family and returns its first pair. Throws `RegistryUnavailableError` when it cannot be recorded. */
export async function startFamily(
  context: RefreshContext,
  source: FamilySource,
  options: { readonly label?: string | undefined; readonly claims?: Custom },
): Promise<TokenPair<Claims>> {
  const { refresh, registry } = context;
  const now = context.now();
  const expiresAt = source.authAt + refresh.maxAge * 1000;
  if (Math.floor(expiresAt / 1000) <= Math.floor(now / 1000) + 1) {
    throw new TypeError(
      "sealed-session: this login is older than `refresh.maxAge`, so it cannot start a refresh-token family; log in again",
    );
  }
  if (options.label !== undefined && typeof options.label !== "string") {
    throw new TypeError("sealed-session: `label` must be a string");
  }
  const familyId = newFamilyId();
  const family = { userId: source.userId, familyId, generation: 1, authAt: source.authAt, expiresAt };
  // The access token first: a claim the app did not list throws before anything is registered.
  const access = await accessToken(context, family, options.claims);
  if (refresh.mode === "registry") {
    const entry = {
      handle: b64u(randomBytes(16)),
      sessionId: familyId,
      createdAt: now,
      expiresAt,
      label: cleanOr(options.label, refresh.label),
      kind: "refresh",
      generation: 1,
    };
    const store = registry!.store;
    let result: Awaited<ReturnType<typeof store.register>>;
    try {
      result = await withTimeout(
        () => store.register(source.userId, entry, { max: registry!.max, now, parent: source.parent }),
        registry!.timeout,
      );
    } catch (error) {
      registry!.report({ operation: "register", kind: failureKind(error), error, retry: false });
      throw new RegistryUnavailableError("register a refresh-token family", error);
    }
    for (const id of result.ended) context.forget(id);
    if (result.registered === false) {
      // The session was ended (elsewhere) after this request loaded it.
      throw new SessionError(
        "revoked",
        "sealed-session: this session was ended; it cannot issue a refresh token",
      );
    }
  }
  return withRefreshToken(context, access, family);
}

/** One exchange: never throws for a bad token or a failing store; a refusal has a typed reason. */
export async function exchange(
  context: RefreshContext,
  token: unknown,
  claims: Custom | ((userId: string) => Custom | Promise<Custom>),
): Promise<RefreshResult<Claims>> {
  const now = context.now();
  let opened: RefreshClaims;
  try {
    opened = await openRefreshToken(context.keyring, context.refresh.info, token, now, context.toleranceMs);
  } catch (error) {
    if (error instanceof RefreshRefused) return { ok: false, reason: error.reason };
    throw error;
  }
  // An access token needs a whole second of the family left: refuse before spending anything.
  if (Math.floor(opened.expiresAt / 1000) <= Math.floor(now / 1000) + 1)
    return { ok: false, reason: "expired" };
  // The app's claims and the access token next (it does not depend on the generation): if either
  // throws — a claim the app did not list — nothing has been spent either.
  const custom = typeof claims === "function" ? await claims(opened.userId) : claims;
  const access = await accessToken(context, opened, custom);
  const generation =
    context.refresh.mode === "registry"
      ? await advanceInRegistry(context, opened, now)
      : await spend(context, opened);
  if (typeof generation === "string") return { ok: false, reason: generation };
  return { ok: true, ...(await withRefreshToken(context, access, { ...opened, generation })) };
}

/** The generation to hand out, or why not. */
async function advanceInRegistry(
  context: RefreshContext,
  opened: RefreshClaims,
  now: number,
): Promise<number | "revoked" | "refresh_reused" | "revocation_unavailable"> {
  const registry = context.registry!;
  let result: RegistryAdvance | null;
  try {
    result = await withTimeout(
      () =>
        registry.store.advance(opened.userId, opened.familyId, {
          generation: opened.generation,
          now,
          reuseInterval: context.refresh.reuseInterval,
          endParent: context.refresh.reuseEndsParent,
        }),
      registry.timeout,
    );
  } catch (error) {
    // An exchange cannot be half-open: without the store nothing is spent and nothing is issued,
    // whatever `onStoreError` says. The client keeps its token and retries.
    registry.report({ operation: "advance", kind: failureKind(error), error, retry: false });
    return "revocation_unavailable";
  }
  if (result === null) return "revoked";
  if (result.outcome === "reused") {
    for (const id of result.ended) context.forget(id);
    return "refresh_reused";
  }
  return result.entry.generation;
}

/** Best effort (revocation store alone): the spend is a revocation fact, checked then written. */
async function spend(
  context: RefreshContext,
  opened: RefreshClaims,
): Promise<number | "revoked" | "refresh_reused" | "revocation_unavailable"> {
  const revocation = context.revocation!;
  const { userId, familyId, generation, authAt } = opened;
  const until = opened.expiresAt + context.toleranceMs;
  const spentId = spentIdOf(familyId, generation);
  let ended: boolean;
  let spent: boolean;
  try {
    [ended, spent] = await withTimeout(
      () =>
        Promise.all([
          revocation.store.isRevoked({ sessionId: familyId, userId, issuedAt: authAt }),
          revocation.store.isRevoked({ sessionId: spentId, userId, issuedAt: authAt }),
        ]),
      revocation.timeout,
    );
  } catch (error) {
    revocation.report({ operation: "check", kind: failureKind(error), error, retry: false });
    return "revocation_unavailable";
  }
  if (ended) return "revoked";
  if (spent) {
    try {
      await withTimeout(
        () => revocation.store.revokeSession({ sessionId: familyId, userId, until }),
        revocation.timeout,
      );
    } catch (error) {
      revocation.report({ operation: "revokeSession", kind: failureKind(error), error, retry: false });
    }
    return "refresh_reused";
  }
  try {
    await withTimeout(
      () => revocation.store.revokeSession({ sessionId: spentId, userId, until }),
      revocation.timeout,
    );
  } catch (error) {
    // Not recorded as spent, so not spent: the client may retry with the same token.
    revocation.report({ operation: "revokeSession", kind: failureKind(error), error, retry: false });
    return "revocation_unavailable";
  }
  return generation + 1;
}

/** Ends the family of a refresh token (a client's logout). `false` for a token that is not ours or not live. */
export async function endFamily(context: RefreshContext, token: unknown): Promise<boolean> {
  const now = context.now();
  let opened: RefreshClaims;
  try {
    opened = await openRefreshToken(context.keyring, context.refresh.info, token, now, context.toleranceMs);
  } catch (error) {
    if (error instanceof RefreshRefused) return false;
    throw error;
  }
  const until = opened.expiresAt + context.toleranceMs;
  if (context.refresh.mode === "registry") {
    const registry = context.registry!;
    try {
      const ended = await withTimeout(
        () => registry.store.remove(opened.userId, opened.familyId, { now, expiresAt: until }),
        registry.timeout,
      );
      context.forget(opened.familyId);
      return ended;
    } catch (error) {
      registry.report({ operation: "remove", kind: failureKind(error), error, retry: false });
      throw new RegistryUnavailableError("end a refresh-token family", error);
    }
  }
  const revocation = context.revocation!;
  try {
    await withTimeout(
      () => revocation.store.revokeSession({ sessionId: opened.familyId, userId: opened.userId, until }),
      revocation.timeout,
    );
  } catch (error) {
    revocation.report({ operation: "revokeSession", kind: failureKind(error), error, retry: false });
    throw new RevocationWriteError("revokeSession", false, error);
  }
  return true;
}

/** The revocation fact of a spent generation: one per token, never a user's data. */
const spentIdOf = (familyId: string, generation: number) => `${familyId}.${generation}`;

/** An access token naming the family (`sid`), with the family's authentication time and expiry. */
function accessToken(context: RefreshContext, family: RefreshClaims, custom: Custom) {
  return context.bearer.issue(
    { id: family.familyId, userId: family.userId, issuedAt: family.authAt, expiresAt: family.expiresAt },
    { claims: custom ?? {} },
  );
}

/** The pair: the access token, and a refresh token of `family.generation`. */
async function withRefreshToken(
  context: RefreshContext,
  access: Awaited<ReturnType<typeof accessToken>>,
  family: RefreshClaims,
): Promise<TokenPair<Claims>> {
  const refreshToken = await sealRefreshToken(context.keyring, context.refresh.info, family);
  return { ...access, refreshToken, refreshExpiresAt: Math.floor(family.expiresAt / 1000) };
}

function cleanOr(label: string | undefined, fallback: string): string {
  const text = label === undefined ? "" : cleanLabel(label);
  return text === "" ? fallback : text;
}
