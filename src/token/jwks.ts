import { ConfigError } from "../errors.ts";
import { Lru } from "../lib/lru.ts";
import { signingKeys, type TokenConfig } from "./config.ts";
import { importSigningKeys, parseSigningKeys } from "./keys.ts";
import type { PublicJwks, SigningKeyInput, Tokens } from "./types.ts";

/** The public half of every configured key, newest first: never `d`, whatever the configuration held. */
export async function configJwks(config: TokenConfig): Promise<PublicJwks> {
  if (config.format !== "jws") {
    throw new ConfigError("encrypted tokens have no public keys to publish; use `signingKeys` for a JWKS");
  }
  const keys = await signingKeys(config);
  return { keys: keys.map((key) => ({ ...key.publicJwk })) };
}

/**
 * What a JWKS is made from: the signing keys themselves (the `signingKeys` option's value, e.g.
 * `env.TOKEN_SIGNING_KEYS`), or anything with `jwks()` (a `Tokens`, or a verify-only one).
 * Publishing needs no revocation store and no `Tokens`: the keys decide the JWKS, and nothing else.
 */
export type JwksSource = SigningKeyInput | readonly SigningKeyInput[] | Pick<Tokens, "jwks">;

/** JWKS by the keys' text: exactly what decides them, so a cache hit is always the right answer. */
const published = new Lru<string, PublicJwks>(16);

const copy = (jwks: PublicJwks): PublicJwks => ({ keys: jwks.keys.map((key) => ({ ...key })) });

/** The JWKS of signing keys: parsed and checked like `createTokens` does, public members only. */
async function keysJwks(input: SigningKeyInput | readonly SigningKeyInput[]): Promise<PublicJwks> {
  let id: string | undefined;
  try {
    id = typeof input === "string" ? input : JSON.stringify(input);
  } catch {
    // Not JSON (a cycle, a BigInt): parsing below says what is wrong.
  }
  const known = id === undefined ? undefined : published.get(id);
  if (known) return copy(known);
  // Only the public halves are imported: publishing never needs a private key.
  const specs = parseSigningKeys(input).map((spec) => ({ ...spec, privateJwk: undefined }));
  const keys = await importSigningKeys(specs);
  const jwks: PublicJwks = { keys: keys.map((key) => ({ ...key.publicJwk })) };
  if (id !== undefined) published.set(id, jwks);
  return copy(jwks);
}

const hasJwks = (source: JwksSource): source is Pick<Tokens, "jwks"> =>
  typeof source === "object" && source !== null && typeof (source as { jwks?: unknown }).jwks === "function";

/** The JWKS of a source (see {@link JwksSource}). */
export function jwksOf(source: JwksSource): Promise<PublicJwks> {
  return hasJwks(source) ? source.jwks() : keysJwks(source as SigningKeyInput | readonly SigningKeyInput[]);
}

export interface JwksHandlerOptions {
  /**
   * `Cache-Control` of the JWKS. Default `"public, max-age=300"`. A new key must be listed (second)
   * for at least this long, plus verifiers' own caching, before it starts signing.
   */
  readonly cacheControl?: string;
}

/**
 * A fetch-style handler for `GET /.well-known/jwks.json`: `(request) => Response`. Give it the
 * signing keys (`jwksHandler(env.TOKEN_SIGNING_KEYS)`) or a `Tokens`; mount it in any router;
 * `sealed-session/hono` has a Hono wrapper. Keys given here are checked now.
 */
export function jwksHandler(
  source: JwksSource,
  options: JwksHandlerOptions = {},
): (request?: Request) => Promise<Response> {
  // Fixed keys fail at start-up, not on a verifier's first fetch.
  if (!hasJwks(source)) parseSigningKeys(source);
  return (request) => jwksResponse(source, request, options);
}

/** The JWKS response for one request: 405 for methods other than GET and HEAD. */
export async function jwksResponse(
  source: JwksSource,
  request: Request | undefined,
  options: JwksHandlerOptions = {},
): Promise<Response> {
  if (request && request.method !== "GET" && request.method !== "HEAD") {
    return new Response(null, { status: 405, headers: { allow: "GET, HEAD" } });
  }
  const body = JSON.stringify(await jwksOf(source));
  return new Response(request?.method === "HEAD" ? null : body, {
    headers: {
      "content-type": "application/json",
      "cache-control": options.cacheControl ?? "public, max-age=300",
    },
  });
}
