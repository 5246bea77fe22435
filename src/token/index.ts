export { type JwksHandlerOptions, type JwksSource, jwksHandler } from "./jwks.ts";
export { type GeneratedSigningKey, generateSigningKey, type SigningAlgorithm } from "./keys.ts";
export { type SessionTokenOptions, type SessionTokens, sessionTokens } from "./session-tokens.ts";
export { createTokens } from "./tokens.ts";
export {
  type ClaimValue,
  type EncryptedTokenOptions,
  type IssuedToken,
  type PublicJwks,
  REFRESH_REASONS,
  type RefreshOptions,
  type RefreshReason,
  type RefreshResult,
  type RegisteredClaims,
  type SignedTokenOptions,
  type SigningKeyInput,
  TOKEN_REASONS,
  type TokenOptions,
  type TokenPair,
  type TokenReason,
  type TokenSource,
  type Tokens,
  type TokenVerification,
} from "./types.ts";
