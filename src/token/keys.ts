/**
 * Signing keys: parsed from configuration (never generated per isolate), pinned to one algorithm
 * each, imported once and kept as settled `CryptoKey`s.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { ConfigError } from "../errors.ts";

/** The algorithms a signing key may use. Everything else (`none`, HS*, RS*) is never accepted. */
export type SigningAlgorithm = "EdDSA" | "ES256";
const CURVE_OF: Record<SigningAlgorithm, { kty: string; crv: string }> = {
  EdDSA: { kty: "OKP", crv: "Ed25519" },
  ES256: { kty: "EC", crv: "P-256" },
};

/** One configured key: its pinned algorithm and public half, from configuration alone (no crypto). */
export interface SigningKeySpec {
  readonly alg: SigningAlgorithm;
  /** Only the public members: safe to publish. */
  readonly publicJwk: JWK;
  readonly privateJwk: JWK | undefined;
  /** Given in the JWK, or filled in with the RFC 7638 thumbprint by `importSigningKeys`. */
  kid: string | undefined;
}

export interface ImportedSigningKey {
  readonly alg: SigningAlgorithm;
  readonly kid: string;
  readonly publicJwk: JWK;
  readonly verifyKey: CryptoKey;
  readonly signKey: CryptoKey | undefined;
}

const PUBLIC_MEMBERS = ["kty", "crv", "x", "y"] as const;
const isB64u = (value: unknown): value is string => typeof value === "string" && /^[\w-]+$/.test(value);

/**
 * Reads the `signingKeys` option: JWKs or their JSON text (one, an array, or `{ "keys": [...] }`),
 * newest first. Messages name the position and problem, never key material.
 */
export function parseSigningKeys(input: unknown): SigningKeySpec[] {
  const items = flatten(input);
  if (items.length === 0) {
    throw new ConfigError(
      "`signingKeys` is missing. Generate a private JWK with `generateSigningKey()` (or " +
        "`node scripts/gen-signing-key.mjs`) and pass it from a secret, e.g. an environment variable.",
    );
  }
  const specs = items.map((item, index) =>
    parseOne(item, items.length > 1 ? `signingKeys[${index}]` : "signingKeys"),
  );
  // All public: a verify-only service. Otherwise the first key signs, so it must be the private one.
  if (specs[0]!.privateJwk === undefined && specs.some((spec) => spec.privateJwk !== undefined)) {
    throw new ConfigError("the first of `signingKeys` signs, so it must be a private JWK (with `d`)");
  }
  const kids = specs.map((spec) => spec.kid).filter((kid) => kid !== undefined);
  if (new Set(kids).size !== kids.length)
    throw new ConfigError("`signingKeys` lists a `kid` twice; kids must be unique");
  return specs;
}

function flatten(input: unknown): unknown[] {
  if (input === undefined || input === null || input === "") return [];
  if (Array.isArray(input)) return input.flatMap(flatten);
  if (typeof input === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new ConfigError("`signingKeys` text is not JSON: give a JWK, a JSON array of JWKs, or a JWK Set");
    }
    if (typeof parsed === "string") throw new ConfigError("`signingKeys` text must be a JWK in JSON");
    return flatten(parsed);
  }
  if (typeof input === "object" && Array.isArray((input as { keys?: unknown }).keys)) {
    return flatten((input as { keys: unknown[] }).keys);
  }
  return [input];
}

function parseOne(item: unknown, where: string): SigningKeySpec {
  if (typeof item !== "object" || item === null) throw new ConfigError(`\`${where}\` is not a JWK object`);
  const jwk = item as Record<string, unknown>;
  const alg = algorithmOf(jwk, where);
  const { crv, kty } = CURVE_OF[alg];
  if (!isB64u(jwk.x) || (kty === "EC" && !isB64u(jwk.y))) {
    throw new ConfigError(`\`${where}\` lacks its public coordinates (${kty === "EC" ? "x, y" : "x"})`);
  }
  if (jwk.use !== undefined && jwk.use !== "sig")
    throw new ConfigError(`\`${where}\` has "use" other than "sig"`);
  if (jwk.kid !== undefined && (typeof jwk.kid !== "string" || !/^[\w.:-]{1,128}$/.test(jwk.kid))) {
    throw new ConfigError(`\`${where}\`.kid must be 1-128 letters, digits, "_", "-", "." or ":"`);
  }
  if (jwk.d !== undefined && !isB64u(jwk.d)) throw new ConfigError(`\`${where}\`.d is not base64url`);
  const publicJwk: JWK = { kty, crv };
  for (const member of PUBLIC_MEMBERS) if (typeof jwk[member] === "string") publicJwk[member] = jwk[member];
  return {
    alg,
    publicJwk,
    privateJwk: jwk.d === undefined ? undefined : { ...publicJwk, d: jwk.d as string },
    kid: jwk.kid as string | undefined,
  };
}

function algorithmOf(jwk: Record<string, unknown>, where: string): SigningAlgorithm {
  const byCurve: SigningAlgorithm | undefined =
    jwk.kty === "OKP" && jwk.crv === "Ed25519"
      ? "EdDSA"
      : jwk.kty === "EC" && jwk.crv === "P-256"
        ? "ES256"
        : undefined;
  if (byCurve === undefined) {
    throw new ConfigError(
      `\`${where}\` must be an Ed25519 (kty "OKP") or P-256 (kty "EC") key; ` +
        "symmetric and RSA keys are not accepted for signed tokens",
    );
  }
  // "Ed25519" is the fully specified name of EdDSA over Ed25519 (RFC 9864); we write "EdDSA".
  if (jwk.alg !== undefined && jwk.alg !== byCurve && !(byCurve === "EdDSA" && jwk.alg === "Ed25519")) {
    throw new ConfigError(
      `\`${where}\` says "alg": ${JSON.stringify(jwk.alg)}, which does not fit its curve`,
    );
  }
  return byCurve;
}

/** Imports every key once (public for verification, private for signing) and fills in missing kids. */
export async function importSigningKeys(specs: readonly SigningKeySpec[]): Promise<ImportedSigningKey[]> {
  const imported: ImportedSigningKey[] = [];
  for (const [index, spec] of specs.entries()) {
    let verifyKey: CryptoKey;
    let signKey: CryptoKey | undefined;
    try {
      spec.kid ??= await calculateJwkThumbprint(spec.publicJwk, "sha256");
      verifyKey = (await importJWK({ ...spec.publicJwk, ext: false }, spec.alg)) as CryptoKey;
      signKey = spec.privateJwk
        ? ((await importJWK({ ...spec.privateJwk, ext: false }, spec.alg)) as CryptoKey)
        : undefined;
    } catch {
      // The platform's message may quote key bytes: say which key, not what it holds.
      throw new ConfigError(
        `\`signingKeys[${index}]\` is not a valid ${spec.alg} key (the platform refused to import it)`,
      );
    }
    imported.push({
      alg: spec.alg,
      kid: spec.kid,
      publicJwk: { ...spec.publicJwk, kid: spec.kid, alg: spec.alg, use: "sig" },
      verifyKey,
      signKey,
    });
  }
  const kids = imported.map((key) => key.kid);
  if (new Set(kids).size !== kids.length) {
    throw new ConfigError("`signingKeys` lists the same key twice (equal thumbprints)");
  }
  return imported;
}

export interface GeneratedSigningKey {
  /** The private JWK as JSON text: store it as a secret (e.g. `wrangler secret put TOKEN_SIGNING_KEY`). */
  readonly privateJwk: string;
  /** The public JWK, for services that pin a key instead of fetching the JWKS. */
  readonly publicJwk: JWK;
  readonly kid: string;
}

/**
 * Generates a signing key pair for configuration (a deploy step, not a request: keys made per
 * isolate would differ between isolates, and tokens from one would fail in another).
 * The `kid` is the key's RFC 7638 thumbprint.
 */
export async function generateSigningKey(alg: SigningAlgorithm = "EdDSA"): Promise<GeneratedSigningKey> {
  if (alg !== "EdDSA" && alg !== "ES256")
    throw new ConfigError('generateSigningKey(alg): alg must be "EdDSA" or "ES256"');
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const { crv, kty } = CURVE_OF[alg];
  const publicJwk: JWK = { kty, crv };
  for (const member of PUBLIC_MEMBERS) if (typeof jwk[member] === "string") publicJwk[member] = jwk[member];
  const kid = await calculateJwkThumbprint(publicJwk, "sha256");
  return {
    privateJwk: JSON.stringify({ ...publicJwk, d: jwk.d, kid, alg, use: "sig" }),
    publicJwk: { ...publicJwk, kid, alg, use: "sig" },
    kid,
  };
}
