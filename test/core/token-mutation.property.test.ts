/**
 * Property tests for bearer tokens: no single-character change to a valid token is accepted (every
 * segment is authenticated, and decoded segments must be canonical base64url), and nothing a client
 * sends makes `verify` throw: it always resolves with a typed reason.
 */
import fc from "fast-check";
import { base64url } from "jose";
import {
  createSessions,
  createTokens,
  generateSecret,
  generateSigningKey,
  TOKEN_REASONS,
  type Tokens,
} from "sealed-session";
import { describe, expect, it } from "vitest";

const TIMEOUT = 120_000;
const B64U = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const options = { issuer: "app", audience: "api" };

async function kinds(): Promise<[string, Tokens][]> {
  return [
    ["EdDSA", createTokens({ ...options, signingKeys: (await generateSigningKey("EdDSA")).privateJwk })],
    ["ES256", createTokens({ ...options, signingKeys: (await generateSigningKey("ES256")).privateJwk })],
    ["JWE", createTokens({ ...options, secrets: generateSecret() })],
  ];
}

async function tokenOf(tokens: Tokens): Promise<string> {
  const session = await createSessions({ secrets: generateSecret() }).load(
    new Request("https://app.example/"),
  );
  session.login("alice");
  return (await tokens.issue(session)).token;
}

const all = await kinds();

describe("bearer token properties", () => {
  for (const [kind, tokens] of all) {
    it(
      `${kind}: any one-character change is refused with a typed reason`,
      async () => {
        const token = await tokenOf(tokens);
        expect((await tokens.verify(token)).ok).toBe(true);
        await fc.assert(
          fc.asyncProperty(
            fc.nat({ max: token.length - 1 }),
            fc.constantFrom(...`${B64U}.`),
            async (index, replacement) => {
              fc.pre(token[index] !== replacement);
              const changed = token.slice(0, index) + replacement + token.slice(index + 1);
              const result = await tokens.verify(changed);
              expect(result.ok).toBe(false);
              if (!result.ok) expect(TOKEN_REASONS).toContain(result.reason);
            },
          ),
          { numRuns: 3000 },
        );
      },
      TIMEOUT,
    );

    it(
      `${kind}: junk, and headers of any shape, never throw`,
      async () => {
        const [, payload] = (await tokenOf(tokens)).split(".");
        const header = fc.dictionary(
          fc.constantFrom("alg", "typ", "kid", "enc", "crit", "jku", "b64", "zip", "x"),
          fc.oneof(
            fc.string(),
            fc.integer(),
            fc.constant(null),
            fc.boolean(),
            fc.constantFrom("EdDSA", "ES256", "dir", "none", "A256GCM", "sealed-session+jwt"),
          ),
        );
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.string(),
              fc
                .array(fc.string({ unit: fc.constantFrom(...B64U) }), { maxLength: 6 })
                .map((parts) => parts.join(".")),
              fc
                .tuple(header, fc.string({ unit: fc.constantFrom(...B64U) }))
                .map(([value, tail]) => `${base64url.encode(JSON.stringify(value))}.${payload}.${tail}`),
              fc
                .tuple(header, fc.string({ unit: fc.constantFrom(...B64U) }))
                .map(
                  ([value, tail]) => `${base64url.encode(JSON.stringify(value))}..${tail}.${tail}.${tail}`,
                ),
            ),
            async (input) => {
              const result = await tokens.verify(input);
              expect(result.ok).toBe(false);
              if (!result.ok) expect(TOKEN_REASONS).toContain(result.reason);
            },
          ),
          { numRuns: 3000 },
        );
      },
      TIMEOUT,
    );
  }
});
