import { ConfigError } from "../errors.ts";
import { signingKeys, type TokenConfig } from "./config.ts";
import type { PublicJwks, Tokens } from "./types.ts";

/** The public half of every configured key, newest first: never `d`, whatever the configuration held. */
export async function publicJwks(config: TokenConfig): Promise<PublicJwks> {
  if (config.format !== "jws") {
    throw new ConfigError("encrypted tokens have no public keys to publish; use `signingKeys` for a JWKS");
  }
  const keys = await signingKeys(config);
  return { keys: keys.map((key) => ({ ...key.publicJwk })) };
}

export interface JwksHandlerOptions {
  /**
   * `Cache-Control` of the JWKS. Default `"public, max-age=300"`. A new key must be listed (second)
   * for at least this long, plus verifiers' own caching, before it starts signing.
   */
  readonly cacheControl?: string;
}

/**
 * A fetch-style handler for `GET /.well-known/jwks.json`: `(request) => Response`. Mount it in any
 * router; `sealed-session/hono` has a Hono wrapper.
 */
export function jwksHandler(
  tokens: Pick<Tokens, "jwks">,
  options: JwksHandlerOptions = {},
): (request?: Request) => Promise<Response> {
  const cacheControl = options.cacheControl ?? "public, max-age=300";
  return async (request) => {
    if (request && request.method !== "GET" && request.method !== "HEAD") {
      return new Response(null, { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const body = JSON.stringify(await tokens.jwks());
    return new Response(request?.method === "HEAD" ? null : body, {
      headers: { "content-type": "application/json", "cache-control": cacheControl },
    });
  };
}
