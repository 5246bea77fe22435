// `npm start` writes a secret on the first run only, and never touches one that is there.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureDevNamingKey, ensureDevSecret } from "../../scripts/dev.mjs";

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), "sealed-session-devvars-"));
  dirs.push(dir);
  return join(dir, ".dev.vars");
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const secretIn = (text: string) => /^SESSION_SECRETS="([^"]+)"$/m.exec(text)?.[1];

describe("ensureDevSecret (scripts/dev.mjs)", () => {
  it("writes a random secret of 43 characters on the first run, and keeps it afterwards", () => {
    const path = fresh();
    expect(ensureDevSecret(path)).toBe(true);
    const secret = secretIn(readFileSync(path, "utf8"));
    expect(secret).toMatch(/^[\w-]{43}$/);
    expect(ensureDevSecret(path)).toBe(false);
    expect(secretIn(readFileSync(path, "utf8"))).toBe(secret);
    const other = fresh();
    ensureDevSecret(other);
    expect(secretIn(readFileSync(other, "utf8"))).not.toBe(secret);
  });

  it("adds to an existing .dev.vars without SESSION_SECRETS and leaves one that has it alone", () => {
    const other = fresh();
    writeFileSync(other, "OTHER=1");
    expect(ensureDevSecret(other)).toBe(true);
    const text = readFileSync(other, "utf8");
    expect(text.startsWith("OTHER=1\n")).toBe(true);
    expect(secretIn(text)).toBeDefined();

    const mine = fresh();
    writeFileSync(mine, "SESSION_SECRETS=mine-of-at-least-32-characters-long-xx\n");
    expect(ensureDevSecret(mine)).toBe(false);
    expect(readFileSync(mine, "utf8")).toBe("SESSION_SECRETS=mine-of-at-least-32-characters-long-xx\n");
  });
});

describe("ensureDevNamingKey (scripts/dev.mjs)", () => {
  it("writes a naming key for the Durable Objects beside the secret, once, and never replaces it", () => {
    const path = fresh();
    ensureDevSecret(path);
    expect(ensureDevNamingKey(path)).toBe(true);
    const text = readFileSync(path, "utf8");
    const key = /^SESSION_NAMING_KEY="([\w-]{43})"$/m.exec(text)?.[1];
    expect(key).toBeDefined();
    expect(key).not.toBe(secretIn(text));
    expect(ensureDevNamingKey(path)).toBe(false);
    expect(readFileSync(path, "utf8")).toBe(text);
  });
});
