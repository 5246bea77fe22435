import { resolveTokenOptions } from "./config.ts";
import { issueToken } from "./issue.ts";
import { configJwks } from "./jwks.ts";
import type { ClaimValue, TokenOptions, Tokens } from "./types.ts";
import { verifyToken } from "./verify.ts";

/**
 * Bearer tokens issued from cookie sessions, for APIs, SPAs and other services. With `signingKeys`
 * they are signed JWTs (`EdDSA` or `ES256`) that any service can check against the JWKS — and read:
 * a JWS payload is only base64url. With `secrets` they are encrypted JWTs (`dir` + `A256GCM`) that
 * only holders of the secrets can read or verify. Validates every option now.
 *
 * @example
 * const tokens = createTokens({ signingKeys: env.TOKEN_SIGNING_KEYS, issuer: "my-app", audience: "my-api" });
 * const { token, expiresAt } = await tokens.issue(session); // session.userId must be set
 * const result = await tokens.verify(request); // { ok: true, claims } | { ok: false, reason }
 */
export function createTokens<Claims extends object = Record<string, ClaimValue>>(
  options: TokenOptions<Claims>,
): Tokens<Claims> {
  const config = resolveTokenOptions(options as TokenOptions<object>);
  return {
    format: config.format,
    issue: (session, issueOptions) => issueToken<Claims>(config, session, issueOptions?.claims),
    verify: (input) => verifyToken<Claims>(config, input),
    jwks: () => configJwks(config),
  };
}
