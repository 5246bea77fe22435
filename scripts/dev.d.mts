/** Adds a random SESSION_SECRETS to the .dev.vars file at `path` unless it has one. True when it wrote. */
export function ensureDevSecret(path: string): boolean;
/** Adds a random SESSION_NAMING_KEY to the .dev.vars file at `path` unless it has one. True when it wrote. */
export function ensureDevNamingKey(path: string): boolean;
