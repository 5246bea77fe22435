/**
 * `createSessions({ tokens })`: bearer tokens that share the sessions' secrets (when encrypted),
 * clock, clock tolerance and revocation store, so logout and "log out everywhere" reach tokens too.
 */
import type { SecretInput } from "../keyring.ts";
import type { RevocationOptions, RevocationStore } from "../revocation/types.ts";
import { createTokens } from "./tokens.ts";
import type { ClaimValue, SignedTokenOptions, SigningKeyInput, Tokens } from "./types.ts";

/** The `tokens` option of `createSessions`: like `createTokens`' options, with the sessions' own as defaults. */
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

interface SessionDefaults {
  readonly secrets: SecretInput | readonly SecretInput[];
  readonly revocation?: RevocationStore | RevocationOptions;
  readonly clockTolerance?: number;
  readonly now?: () => number;
}

/** The sessions' tokens, or `undefined` when the `tokens` option is absent. Validates it now. */
export function sessionTokens(
  sessions: SessionDefaults & { readonly tokens?: SessionTokenOptions },
): Tokens | undefined {
  const options = sessions.tokens;
  if (options === undefined) return undefined;
  const shared = {
    revocation: sessions.revocation,
    clockTolerance: sessions.clockTolerance,
    now: sessions.now,
  };
  const own = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return options.signingKeys === undefined
    ? createTokens({ ...shared, ...own, secrets: sessions.secrets } as Parameters<typeof createTokens>[0])
    : createTokens({ ...shared, ...own, signingKeys: options.signingKeys } as Parameters<
        typeof createTokens
      >[0]);
}
