/**
 * What the Redis and Deno KV registry and data-store backends share: a per-key lock for their
 * check-and-set steps, option checks that name the option, and ids made safe for key names.
 */
import { ConfigError } from "../errors.ts";
import { userKeyId } from "../revocation/keys.ts";

/**
 * Runs the calls for one key one after another, in this process. The backends wrap their
 * check-and-set steps in it: concurrent writes to one user or one record from this process then wait
 * their turn instead of racing each other into conflicts and retries. Only an optimisation — writers
 * in other processes are kept apart by the check-and-set itself — and it holds nothing once a key's
 * calls have settled.
 */
export type KeyLock = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

export function keyLock(): KeyLock {
  const tails = new Map<string, Promise<unknown>>();
  return (key, fn) => {
    const previous = tails.get(key);
    const run = previous === undefined ? fn() : previous.then(fn, fn);
    const tail = run.then(
      () => {},
      () => {},
    );
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}

/** A numeric option, checked when the backend is built: a ConfigError that names it. */
export function numberOption(
  caller: string,
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new ConfigError(`${caller} option \`${name}\` must be a number from ${min}`);
  }
  return value;
}

/** The `namingKey` option: a stable secret of at least 32 characters. */
export function namingKeyOption(caller: string, namingKey: unknown): string {
  if (typeof namingKey !== "string" || namingKey.length < 32) {
    throw new ConfigError(
      `${caller} needs \`namingKey\`: a secret of at least 32 characters that never rotates ` +
        "(make one with `npx sealed-session secret`), kept apart from the session secrets",
    );
  }
  return namingKey;
}

/** The keyed hash that stands for a user id in key names (HMAC-SHA-256 with the naming key). */
export const userHash = (userId: string, namingKey: string): Promise<string> => userKeyId(userId, namingKey);

/**
 * An id (a session id, a record key) as a key part: the library's ids (base64url) as they are,
 * anything else as its SHA-256, so a key part never holds braces, separators or unbounded text.
 */
export async function idPart(id: string): Promise<string> {
  return /^[A-Za-z0-9_-]{1,128}$/.test(id) ? id : `h.${await userKeyId(id, undefined)}`;
}

/** A short pause before another try, longer with each one, jittered so that writers drift apart. */
export function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
}
