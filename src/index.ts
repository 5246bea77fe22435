export { type SealOptions, seal, type UnsealOptions, unseal } from "./codec/seal.ts";
export type { Format } from "./codec/types.ts";
export type { CookieOptions } from "./cookie/options.ts";
export {
  ConfigError,
  CookieTooLargeError,
  DataError,
  type ErrorCode,
  REASON_CODES,
  type ReasonCode,
  SessionDestroyedError,
  SessionError,
  UnsealError,
} from "./errors.ts";
export type { SecretInput } from "./keyring.ts";
export type { RevocationQuery, RevocationStore } from "./revocation/types.ts";
export { generateSecret } from "./secret.ts";
export { createSessions, type Sessions, type SessionsOptions } from "./session/manager.ts";
export type { LoginOptions, RegenerateOptions, Session } from "./session/session.ts";
