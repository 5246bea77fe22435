// Generates a signing key for bearer tokens: a private JWK (Ed25519 by default, or P-256 with
// `--alg ES256`) whose `kid` is its RFC 7638 thumbprint. Keys come from configuration, never from
// an isolate at run time: every instance must sign and verify with the same keys.
//
//   node scripts/gen-signing-key.mjs                 prints the private JWK (JSON) to stdout
//   node scripts/gen-signing-key.mjs --alg ES256     a P-256 key instead
//   node scripts/gen-signing-key.mjs --dev-vars      appends TOKEN_SIGNING_KEYS to .dev.vars unless set
//
// In production: `node scripts/gen-signing-key.mjs | npx wrangler secret put TOKEN_SIGNING_KEYS`.
// To rotate, give a JSON array, newest first: `[<new private JWK>, <old JWK>]`.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";

/** A new private JWK as JSON text, with `kid` (thumbprint), `alg` and `use: "sig"`. */
export async function generateSigningKeyJwk(alg = "EdDSA") {
  if (alg !== "EdDSA" && alg !== "ES256") throw new Error('alg must be "EdDSA" or "ES256"');
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const { kty, crv, x, y, d } = await exportJWK(privateKey);
  const publicJwk = y === undefined ? { kty, crv, x } : { kty, crv, x, y };
  const kid = await calculateJwkThumbprint(publicJwk, "sha256");
  return JSON.stringify({ ...publicJwk, d, kid, alg, use: "sig" });
}

/**
 * Appends `NAME='<jwk>'` to a .dev.vars file unless NAME is already set there. Returns whether it wrote.
 * Single quotes keep the JSON's double quotes literal for wrangler's dotenv parser.
 */
export async function ensureDevVarsSigningKey(path, name = "TOKEN_SIGNING_KEYS", alg = "EdDSA") {
  const current = existsSync(path) ? readFileSync(path, "utf8") : "";
  if (new RegExp(`^\\s*${name}\\s*=\\s*\\S`, "m").test(current)) return false;
  const jwk = await generateSigningKeyJwk(alg);
  const separator = current === "" || current.endsWith("\n") ? "" : "\n";
  appendFileSync(
    path,
    `${separator}# Written by scripts/gen-signing-key.mjs: private signing key for bearer tokens (JWK). Never commit it.\n` +
      `${name}='${jwk}'\n`,
  );
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const algIndex = args.indexOf("--alg");
  const alg = algIndex === -1 ? "EdDSA" : args[algIndex + 1];
  if (args.includes("--dev-vars")) {
    const path = fileURLToPath(new URL("../.dev.vars", import.meta.url));
    const wrote = await ensureDevVarsSigningKey(path, "TOKEN_SIGNING_KEYS", alg);
    console.error(
      wrote
        ? "gen-signing-key: wrote a new TOKEN_SIGNING_KEYS to .dev.vars (git-ignored; never commit it)."
        : "gen-signing-key: .dev.vars already has TOKEN_SIGNING_KEYS; left it alone.",
    );
  } else {
    process.stdout.write(`${await generateSigningKeyJwk(alg)}\n`);
  }
}
