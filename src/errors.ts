/**
 * Every error this library throws or reports is a `SessionError` with a stable `code`.
 * Messages never contain secrets, tokens or session contents.
 */

/** Why an incoming cookie (or token) was not accepted. Stable strings: match on them. */
export type ReasonCode =
  | "malformed"
  | "bad_seal"
  | "unknown_key"
  | "expired"
  | "idle"
  | "revoked"
  | "revocation_unavailable"
  | "too_large"
  | "unsupported_version"
  | "store_unavailable"
  | "invalid_data";

export const REASON_CODES: readonly ReasonCode[] = [
  "malformed",
  "bad_seal",
  "unknown_key",
  "expired",
  "idle",
  "revoked",
  "revocation_unavailable",
  "too_large",
  "unsupported_version",
  "store_unavailable",
  "invalid_data",
];

export type ErrorCode =
  | ReasonCode
  | "invalid_config"
  | "not_json"
  | "destroyed"
  | "read_only"
  | "revocation_write_failed"
  | "login_unavailable"
  | "registry_unavailable"
  | "committed"
  | "store_write_failed"
  | "store_conflict";

export class SessionError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A token or cookie could not be unsealed. `code` is one of the {@link ReasonCode}s. */
export class UnsealError extends SessionError {
  declare readonly code: ReasonCode;
  constructor(code: ReasonCode, message?: string, options?: { cause?: unknown }) {
    super(code, message ?? `sealed-session: token rejected (${code})`, options);
  }
}

/** Options that cannot work. Thrown at start-up (by `createSessions`), never per request. */
export class ConfigError extends SessionError {
  constructor(message: string) {
    super("invalid_config", `sealed-session: ${message}`);
  }
}

/** The session does not fit in the allowed number of cookies. Thrown by `commit`. */
export class CookieTooLargeError extends SessionError {
  declare readonly code: "too_large";
  readonly bytes: number;
  readonly limit: number;
  constructor(bytes: number, limit: number) {
    super(
      "too_large",
      `sealed-session: the sealed session needs ${bytes} bytes of cookie but at most ${limit} may be written ` +
        "(cookie.maxBytes, default 4096: one cookie). Store less in the session, keep large data in a " +
        "server-side store, or raise cookie.maxBytes (and cookie.maxChunks) if your servers and proxies accept it.",
    );
    this.bytes = bytes;
    this.limit = limit;
  }
}

/**
 * Data a session cannot store: a value JSON cannot carry unchanged (Date, Map, BigInt, NaN, cycles, …;
 * code `not_json`), or — with a `schema` — data that fails it at `commit` (code `invalid_data`; `path`
 * names the first failing key, `issues` holds the validator's issues). Messages name paths, never values.
 */
export class DataError extends SessionError {
  declare readonly code: "not_json" | "invalid_data";
  /** For `invalid_data`: the first failing path, e.g. `["cart", 0, "qty"]` (empty for the whole object). */
  readonly path: readonly PropertyKey[] | undefined;
  /** For `invalid_data`: the schema's issues. Their messages may quote values: log them with care. */
  readonly issues: readonly { readonly message: string; readonly path?: readonly unknown[] | undefined }[];
  constructor(
    message: string,
    invalid?: {
      path: readonly PropertyKey[];
      issues: readonly { readonly message: string; readonly path?: readonly unknown[] | undefined }[];
    },
  ) {
    super(invalid ? "invalid_data" : "not_json", `sealed-session: ${message}`);
    this.path = invalid?.path;
    this.issues = invalid?.issues ?? [];
  }
}

/** A destroyed session was used again in the same request. */
export class SessionDestroyedError extends SessionError {
  declare readonly code: "destroyed";
  constructor(action: string) {
    super(
      "destroyed",
      `sealed-session: cannot ${action} a destroyed session; load a new one on the next request`,
    );
  }
}

/**
 * `login()` or `regenerate()` on a read-only session (the revocation store could not be asked). The
 * request's cookie may belong to a logged-in user whose session is fine: replacing it now would log
 * them out or into another account on a store outage. Answer 503 and let the user retry.
 */
export class SessionReadOnlyError extends SessionError {
  declare readonly code: "read_only";
  constructor(action: string, why = "the revocation store could not be asked") {
    super(
      "read_only",
      `sealed-session: cannot ${action} a read-only session (${why}); answer 503 and retry later`,
    );
  }
}

/**
 * A new or renewed session id could not be registered (`login()`, `regenerate()` with a `registry`):
 * the session is not logged in, and `commit` wrote no cookie. Answer 503 `{"error":
 * "login_unavailable"}` (the Hono middleware and the Workers helper do) and let the user retry.
 */
export class LoginUnavailableError extends SessionError {
  declare readonly code: "login_unavailable";
  constructor(cause: unknown) {
    super(
      "login_unavailable",
      "sealed-session: the session registry could not record this login; retry later",
      {
        cause,
      },
    );
  }
}

/** A registry call made by the app (list or end sessions) failed or did not answer in time. */
export class RegistryUnavailableError extends SessionError {
  declare readonly code: "registry_unavailable";
  readonly operation: string;
  constructor(operation: string, cause: unknown) {
    super(
      "registry_unavailable",
      `sealed-session: the session registry could not ${operation}; retry later`,
      {
        cause,
      },
    );
    this.operation = operation;
  }
}

/**
 * The session changed after its response had started (Express: after `res.send()`, `res.json()`,
 * `res.redirect()`, `res.write()`, `pipe()`…): its cookie was already written, so the change would
 * be lost. Change the session before sending the response.
 */
export class SessionCommittedError extends SessionError {
  declare readonly code: "committed";
  constructor(action: string) {
    super(
      "committed",
      `sealed-session: cannot ${action} the session after the response has started (its cookie is ` +
        "already written); change it before res.send(), res.json(), res.redirect(), res.write() or pipe()",
    );
  }
}

/**
 * The server-side store could not record this request's change to a session (it failed, timed out,
 * or the data grew past `store.maxBytes` — then `code` is `too_large`). `commit` wrote no cookie: the
 * browser keeps its previous one, and nothing was lost silently. Answer 503 (or 413 for `too_large`).
 */
export class StoreWriteError extends SessionError {
  declare readonly code: "store_write_failed" | "too_large";
  /** For `too_large`: the bytes the data would take, and the limit. */
  readonly bytes: number | undefined;
  readonly limit: number | undefined;
  constructor(cause: unknown, tooLarge?: { bytes: number; limit: number }) {
    super(
      tooLarge ? "too_large" : "store_write_failed",
      tooLarge
        ? `sealed-session: the session's data would take ${tooLarge.bytes} bytes in the store, more than ` +
            `store.maxBytes (${tooLarge.limit}); store less`
        : "sealed-session: the data store could not record the session's change; nothing was written",
      { cause },
    );
    this.bytes = tooLarge?.bytes;
    this.limit = tooLarge?.limit;
  }
}

/**
 * With `store.conflicts: "error"`: another request changed the same data since this one loaded it.
 * Nothing was written. `paths` names the keys (never their values); reload and retry, or tell the user.
 */
export class StoreConflictError extends SessionError {
  declare readonly code: "store_conflict";
  readonly paths: readonly (readonly string[])[];
  constructor(paths: readonly (readonly string[])[]) {
    super(
      "store_conflict",
      `sealed-session: another request changed the same data first (${paths.length} path${paths.length === 1 ? "" : "s"}); nothing was written`,
    );
    this.paths = paths;
  }
}
