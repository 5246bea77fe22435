import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { base64url, calculateJwkThumbprint, decodeProtectedHeader } from "jose";
import {
  ConfigError,
  createSessions,
  createTokens,
  generateSecret,
  generateSigningKey,
} from "sealed-session";
import { afterAll, describe, expect, it } from "vitest";

interface KeyScript {
  generateSigningKeyJwk(alg?: string): Promise<string>;
  ensureDevVarsSigningKey(path: string, name?: string, alg?: string): Promise<boolean>;
}
const script = (await import(
  new URL("../../scripts/gen-signing-key.mjs", import.meta.url).href
)) as KeyScript;
const folder = mkdtempSync(join(tmpdir(), "sealed-session-keys-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function signsAndVerifies(privateJwk: string) {
  const sessions = createSessions({ secrets: generateSecret() });
  const tokens = createTokens({ signingKeys: privateJwk, issuer: "i", audience: "a" });
  const session = await sessions.load(new Request("https://app.example/"));
  session.login("alice");
  const { token } = await tokens.issue(session);
  expect(await tokens.verify(token)).toMatchObject({ ok: true });
  return { token, jwks: await tokens.jwks() };
}

describe("signing keys from configuration", () => {
  for (const alg of ["EdDSA", "ES256"] as const) {
    it(`generateSigningKey(${alg}) and the script both make keys createTokens uses, kid = thumbprint`, async () => {
      for (const privateJwk of [
        (await generateSigningKey(alg)).privateJwk,
        await script.generateSigningKeyJwk(alg),
      ]) {
        const jwk = JSON.parse(privateJwk);
        expect(jwk).toMatchObject({ alg, use: "sig" });
        expect(typeof jwk.d).toBe("string");
        const { kty, crv, x, y } = jwk;
        expect(jwk.kid).toBe(await calculateJwkThumbprint({ kty, crv, x, y }, "sha256"));
        const { token, jwks } = await signsAndVerifies(privateJwk);
        expect(decodeProtectedHeader(token)).toMatchObject({ alg, kid: jwk.kid });
        expect(jwks.keys).toEqual([{ kty, crv, x, ...(y ? { y } : {}), kid: jwk.kid, alg, use: "sig" }]);
      }
    });
  }

  it("a key without kid gets its thumbprint; the same key twice is refused", async () => {
    const { kid, d, ...bare } = JSON.parse(await script.generateSigningKeyJwk());
    const tokens = createTokens({ signingKeys: { ...bare, d }, issuer: "i", audience: "a" });
    expect((await tokens.jwks()).keys[0]?.kid).toBe(kid);
    const twice = createTokens({
      signingKeys: [
        { ...bare, d },
        { ...bare, kid: "x" },
      ],
      issuer: "i",
      audience: "a",
    });
    await expect(twice.jwks()).resolves.toBeDefined();
    const same = createTokens({ signingKeys: [{ ...bare, d }, bare], issuer: "i", audience: "a" });
    await expect(same.jwks()).rejects.toThrow(/same key twice/);
  });

  it("a key the platform cannot import is a ConfigError naming the key, not its bytes, even from verify", async () => {
    const jwk = JSON.parse(await script.generateSigningKeyJwk("ES256"));
    const offCurve = { ...jwk, y: jwk.x };
    const tokens = createTokens({ signingKeys: offCurve, issuer: "i", audience: "a" });
    const header = base64url.encode(
      JSON.stringify({ alg: "ES256", typ: "sealed-session+jwt", kid: jwk.kid }),
    );
    for (const attempt of [() => tokens.jwks(), () => tokens.verify(`${header}.e30.AA`)]) {
      const error = await attempt().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect(String(error)).toContain("signingKeys[0]");
      expect(String(error)).not.toContain(jwk.d);
    }
  });

  it("--dev-vars writes TOKEN_SIGNING_KEYS once, as a value wrangler's dotenv reads back as the JWK", async () => {
    const path = join(folder, ".dev.vars");
    writeFileSync(path, 'SESSION_SECRETS="x"');
    expect(await script.ensureDevVarsSigningKey(path)).toBe(true);
    const first = readFileSync(path, "utf8");
    expect(await script.ensureDevVarsSigningKey(path)).toBe(false);
    expect(readFileSync(path, "utf8")).toBe(first);
    const line = first.split("\n").find((text) => text.startsWith("TOKEN_SIGNING_KEYS="));
    const value = /^TOKEN_SIGNING_KEYS='(.*)'$/.exec(line ?? "")?.[1];
    expect(first.startsWith('SESSION_SECRETS="x"\n')).toBe(true);
    await signsAndVerifies(value ?? "");
  });
});
