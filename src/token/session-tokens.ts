/**
 * `createSessions({ tokens: sessionTokens({...}) })`: bearer tokens that share the sessions' secrets
 * (when encrypted), clock, clock tolerance and revocation store, so logout and "log out everywhere"
 * reach tokens too. The manager only calls what this returns, so an app without tokens bundles none
 * of this code.
 */
import type { SecretInput } from "../keyring.ts";
import { registryRevocation, resolveRegistry } from "../registry/policy.ts";
import type { RegistryOptions, RegistryStore } from "../registry/types.ts";
import type { RevocationOptions, RevocationStore } from "../revocation/types.ts";
import { createFamily, issueFamily } from "./family.ts";
import { endFamily, exchange, startFamily } from "./refresh.ts";
import { type ResolvedRefresh, resolveRefresh } from "./refresh-config.ts";
import { createTokens } from "./tokens.ts";
import type {
  ClaimValue,
  RefreshOptions,
  SignedTokenOptions,
  SigningKeyInput,
  TokenOptions,
  Tokens,
} from "./types.ts";

/** Options of {@link sessionTokens}: those of `createTokens`, with the sessions' own as defaults. */
export type SessionTokenOptions<Claims extends object = Record<string, ClaimValue>> = Omit<
  SignedTokenOptions<Claims>,
  "signingKeys" | "secrets"
> & {
  /**
   * Sign tokens (JWS) with these private JWKs; other services verify them with the JWKS, and anyone can
   * read their claims. Without it, tokens are encrypted (JWE) under the sessions' secrets.
   */
  readonly signingKeys?: SigningKeyInput | readonly SigningKeyInput[];
  /**
   * Refresh tokens for clients without cookies (native apps, CLIs): `sessions.issueToken(session,
   * { refresh: true })`, `sessions.create(userId)` and `sessions.refresh(refreshToken)`. Each family
   * is a session in the `registry`; every exchange rotates, and a spent token presented again ends
   * the family. `true` for the defaults. See docs/refresh-tokens.md.
   */
  readonly refresh?: RefreshOptions | boolean;
};

/** What the manager passes: its own options, as defaults. */
export interface SessionDefaults {
  readonly secrets: SecretInput | readonly SecretInput[];
  readonly revocation?: RevocationStore | RevocationOptions;
  readonly registry?: RegistryStore | RegistryOptions;
  readonly maxAge?: number;
  readonly clockTolerance?: number;
  readonly now?: () => number;
}

/**
 * @internal What the manager finds on its `Tokens` when refresh tokens are configured: the checked
 * options and the flows. Reached only through this option, so an app without tokens bundles neither.
 */
export interface RefreshEngine {
  readonly config: ResolvedRefresh;
  readonly start: typeof startFamily;
  readonly exchange: typeof exchange;
  readonly end: typeof endFamily;
  /** The manager's (src/token/family.ts). */
  readonly issue: typeof issueFamily;
  readonly create: typeof createFamily;
}

/** @internal */
export interface RefreshCapable {
  readonly _refresh?: RefreshEngine;
}

/**
 * The `tokens` option of `createSessions`. Plain data plus one module-level function, so session
 * options built per request (Hono, Workers) still compare equal and share one manager.
 */
export interface SessionTokens {
  readonly options: SessionTokenOptions;
  readonly create: (options: SessionTokenOptions, sessions: SessionDefaults) => Tokens;
}

/** Bearer tokens for `createSessions({ tokens })`: `sessions.issueToken`, `verifyToken` and `jwks`. */
export function sessionTokens(options: SessionTokenOptions): SessionTokens {
  return { options, create: createSessionTokens };
}

function createSessionTokens(
  options: SessionTokenOptions,
  sessions: SessionDefaults,
): Tokens & RefreshCapable {
  const shared = {
    revocation: revocationOf(sessions),
    clockTolerance: sessions.clockTolerance,
    now: sessions.now,
  };
  const { refresh, ...rest } = options ?? {};
  const own = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  const merged =
    options?.signingKeys === undefined
      ? { ...shared, ...own, secrets: sessions.secrets }
      : { ...shared, ...own, signingKeys: options.signingKeys };
  const tokens = createTokens(merged as TokenOptions);
  const resolved = resolveRefresh(refresh, options.audience, {
    registry: sessions.registry,
    revocation: sessions.revocation,
    maxAge: sessions.maxAge,
  });
  if (resolved === undefined) return tokens;
  return {
    ...tokens,
    _refresh: {
      config: resolved,
      start: startFamily,
      exchange,
      end: endFamily,
      issue: issueFamily,
      create: createFamily,
    },
  };
}

/**
 * With a registry, tokens are checked against it, as logged-in sessions are: it is exact, and it is
 * what every ending reaches — logout, the device list, "log out other devices", a refresh-token
 * family's end. Otherwise the sessions' revocation store, if any.
 */
function revocationOf(sessions: SessionDefaults): SessionDefaults["revocation"] {
  if (sessions.registry === undefined) return sessions.revocation;
  const registry = resolveRegistry(sessions.registry)!;
  return {
    store: registryRevocation(registry, sessions.now ?? Date.now),
    timeout: registry.timeout,
    onStoreError: (event) => registry.report({ ...event, operation: "check" }),
  };
}
