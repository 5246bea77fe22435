/**
 * `createSessions({ tokens: sessionTokens({...}) })`: bearer tokens that share the sessions' secrets
 * (when encrypted), clock, clock tolerance and revocation store, so logout and "log out everywhere"
 * reach tokens too. The manager only calls what this returns, so an app without tokens bundles none
 * of this code.
 */
import type { SecretInput } from "../keyring.ts";
import type { RevocationOptions, RevocationStore } from "../revocation/types.ts";
import { createTokens } from "./tokens.ts";
import type { ClaimValue, SignedTokenOptions, SigningKeyInput, TokenOptions, Tokens } from "./types.ts";

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
};

/** What the manager passes: its own options, as defaults. */
export interface SessionDefaults {
  readonly secrets: SecretInput | readonly SecretInput[];
  readonly revocation?: RevocationStore | RevocationOptions;
  readonly clockTolerance?: number;
  readonly now?: () => number;
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

function createSessionTokens(options: SessionTokenOptions, sessions: SessionDefaults): Tokens {
  const shared = {
    revocation: sessions.revocation,
    clockTolerance: sessions.clockTolerance,
    now: sessions.now,
  };
  const own = Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined));
  const merged =
    options?.signingKeys === undefined
      ? { ...shared, ...own, secrets: sessions.secrets }
      : { ...shared, ...own, signingKeys: options.signingKeys };
  return createTokens(merged as TokenOptions);
}
