export { type SealOptions, seal, type UnsealOptions, unseal } from "./codec/seal.ts";
export type { Format } from "./codec/types.ts";
export type { CookieOptions, CookiePrefix } from "./cookie/options.ts";
export {
  type CsrfFailure,
  type CsrfOptions,
  type CsrfResult,
  checkCsrf,
  originAllowed,
  type SecFetchSite,
} from "./csrf/index.ts";
export {
  ConfigError,
  CookieTooLargeError,
  DataError,
  type ErrorCode,
  LoginUnavailableError,
  REASON_CODES,
  type ReasonCode,
  RegistryUnavailableError,
  SessionDestroyedError,
  SessionError,
  SessionReadOnlyError,
  StoreConflictError,
  StoreWriteError,
  UnsealError,
} from "./errors.ts";
export type { SecretInput } from "./keyring.ts";
export type {
  RegistryAdvance,
  RegistryErrorEvent,
  RegistryOptions,
  RegistryStore,
  SessionInfo,
} from "./registry/types.ts";
export { type MemoryRevocationOptions, memoryRevocationStore } from "./revocation/memory.ts";
export { RevocationWriteError, type WaitUntil } from "./revocation/policy.ts";
export type {
  FailurePolicy,
  RevocationErrorEvent,
  RevocationOptions,
  RevocationQuery,
  RevocationStore,
  SessionRevocation,
  UserRevocation,
} from "./revocation/types.ts";
export { generateSecret } from "./secret.ts";
export {
  type CommitOptions,
  type CommitResult,
  createSessions,
  type Sessions,
  type SessionsOptions,
} from "./session/manager.ts";
export type { LoginOptions, RegenerateOptions, Session } from "./session/session.ts";
export type { StandardSchemaV1 } from "./session/standard-schema.ts";
export type { DataStore, StoreErrorEvent, StoreOptions } from "./store/types.ts";
export {
  type ClaimValue,
  createTokens,
  type EncryptedTokenOptions,
  type GeneratedSigningKey,
  generateSigningKey,
  type IssuedToken,
  type JwksHandlerOptions,
  jwksHandler,
  type PublicJwks,
  REFRESH_REASONS,
  type RefreshOptions,
  type RefreshReason,
  type RefreshResult,
  type RegisteredClaims,
  type SessionTokenOptions,
  type SessionTokens,
  type SignedTokenOptions,
  type SigningAlgorithm,
  type SigningKeyInput,
  sessionTokens,
  TOKEN_REASONS,
  type TokenOptions,
  type TokenPair,
  type TokenReason,
  type TokenSource,
  type Tokens,
  type TokenVerification,
} from "./token/index.ts";
