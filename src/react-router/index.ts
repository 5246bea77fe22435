/**
 * React Router (framework mode). Two forms over the same core:
 *
 * - `createSealedSessionStorage(options)`: a `SessionStorage` (getSession, commitSession,
 *   destroySession) to swap in for `createCookieSessionStorage`, with `login`/`regenerate` helpers.
 *   One cookie per session; larger data moves to the server-side store (`store` option).
 * - `createSessionMiddleware(options)`: route middleware that puts the core `Session` in the
 *   request's context and commits it onto every response by itself (chunks and Cache-Control too).
 *
 * React Router is imported for its types only.
 */

export type { Sessions, SessionsOptions } from "../session/manager.ts";
export type { LoginOptions, RegenerateOptions, Session } from "../session/session.ts";
export {
  createSessionMiddleware,
  type SessionMiddleware,
  type SessionMiddlewareOptions,
} from "./middleware.ts";
export {
  createSealedSessionStorage,
  type SealedSessionStorage,
  type SealedSessionStorageOptions,
  SingleCookieError,
} from "./storage.ts";
