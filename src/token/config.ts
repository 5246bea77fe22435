import { ConfigError } from "../errors.ts";
import { Keyring, parseSecrets } from "../keyring.ts";
import { type ResolvedRevocation, resolveRevocation } from "../revocation/policy.ts";
import { type ImportedSigningKey, importSigningKeys, parseSigningKeys, type SigningKeySpec } from "./keys.ts";
import { REGISTERED_CLAIMS, type TokenOptions, type TokenReason } from "./types.ts";

/** Options checked once, at `createTokens`, plus the keys (imported on first use, then settled). */
export interface TokenConfig {
  readonly format: "jws" | "jwe";
  readonly issuer: string;
  readonly audience: string;
  readonly ttl: number;
  readonly tolerance: number;
  readonly claims: ReadonlySet<string>;
  readonly type: string;
  readonly maxTokenBytes: number;
  readonly revocation: ResolvedRevocation | undefined;
  readonly onInvalid: ((event: { reason: TokenReason }) => void) | undefined;
  readonly now: () => number;
  /** jwe: the session secrets, with keys derived for `jweInfo`. */
  readonly keyring: Keyring | undefined;
  /** HKDF info of bearer keys; differs from every cookie's (`… cookie:<name>`), so neither opens as the other. */
  readonly jweInfo: string;
  /** jws: the configured keys, newest first. */
  readonly specs: readonly SigningKeySpec[];
  signingKeys: readonly ImportedSigningKey[] | undefined;
}

export const DEFAULT_TYPE = "sealed-session+jwt";
const MAX_TTL = 86_400;

export function resolveTokenOptions(options: TokenOptions<object>): TokenConfig {
  if (typeof options !== "object" || options === null)
    throw new ConfigError("createTokens(options) needs an options object");
  const hasSecrets = options.secrets !== undefined;
  const hasKeys = options.signingKeys !== undefined;
  if (hasSecrets === hasKeys) {
    throw new ConfigError(
      "createTokens needs either `signingKeys` (signed JWS: other services verify with the JWKS, anyone can read " +
        "the claims) or `secrets` (encrypted JWE: only holders of the secrets can read or verify), not both",
    );
  }
  const text = (name: string, value: unknown) => {
    if (typeof value !== "string" || value.length === 0 || value.length > 256) {
      throw new ConfigError(`\`${name}\` must be a non-empty string (at most 256 characters)`);
    }
    return value;
  };
  const issuer = text("issuer", options.issuer);
  const audience = text("audience", options.audience);
  const type = text("type", options.type ?? DEFAULT_TYPE);
  if (!/^[\w.+-]+$/.test(type) || type.toLowerCase() === "jwt") {
    throw new ConfigError('`type` must be a media type name like "sealed-session+jwt" (not plain "JWT")');
  }
  const ttl = options.ttl ?? 300;
  if (!(Number.isInteger(ttl) && ttl >= 1 && ttl <= MAX_TTL)) {
    throw new ConfigError(
      `\`ttl\` must be whole seconds from 1 to ${MAX_TTL}; tokens are short-lived by design`,
    );
  }
  const tolerance = options.clockTolerance ?? 5;
  if (typeof tolerance !== "number" || !(tolerance >= 0 && tolerance <= 60)) {
    throw new ConfigError("`clockTolerance` must be seconds from 0 to 60");
  }
  const maxTokenBytes = options.maxTokenBytes ?? 8192;
  if (!(Number.isInteger(maxTokenBytes) && maxTokenBytes >= 256)) {
    throw new ConfigError("`maxTokenBytes` must be a whole number of at least 256");
  }
  const claims = new Set<string>();
  for (const name of (options.claims ?? []) as readonly unknown[]) {
    if (typeof name !== "string" || name.length === 0)
      throw new ConfigError("`claims` must list claim names");
    if (REGISTERED_CLAIMS.includes(name)) {
      throw new ConfigError(`\`claims\` cannot list "${name}": the library sets it`);
    }
    claims.add(name);
  }
  // The same store, deadline and failure policy as the sessions (see the revocation docs).
  const revocation = resolveRevocation(options.revocation);
  return {
    format: hasKeys ? "jws" : "jwe",
    issuer,
    audience,
    ttl,
    tolerance,
    claims,
    type,
    maxTokenBytes,
    revocation,
    onInvalid: options.onInvalid,
    now: options.now ?? Date.now,
    keyring: hasSecrets ? new Keyring(parseSecrets(options.secrets, "secrets")) : undefined,
    jweInfo: `sealed-session/v1 bearer:${audience}`,
    specs: hasKeys ? parseSigningKeys(options.signingKeys) : [],
    signingKeys: undefined,
  };
}

/** The imported signing keys; imported once per config, kept only once settled. */
export async function signingKeys(config: TokenConfig): Promise<readonly ImportedSigningKey[]> {
  if (config.signingKeys) return config.signingKeys;
  const keys = await importSigningKeys(config.specs);
  config.signingKeys = keys;
  return keys;
}
