import assert from "node:assert/strict";
import { defaults as ironDefaults, seal as ironSeal } from "iron-webcrypto";
import {
  ConfigError,
  createSessions,
  createTokens,
  generateSecret,
  type SessionsOptions,
  seal,
  unseal,
} from "sealed-session";
import type { Suite } from "../harness.ts";
import { Jar, visit } from "../support/http.ts";

const secret = generateSecret();
const other = generateSecret();

/** Secrets long enough but made of a pattern, with what makes each one predictable. */
const PREDICTABLE: readonly (readonly [string, string])[] = [
  ["one character", "a".repeat(32)],
  ["a word repeated", "password".repeat(4)],
  ["NUL characters", "\u0000".repeat(64)],
  ["the hex digits twice", "0123456789abcdef".repeat(2)],
  ["an alphabet walk", "abcdefghijklmnopqrstuvwxyz012345"],
  ["a nil UUID", "00000000-0000-0000-0000-000000000000"],
  ["a long run after a short start", `k3${"x".repeat(40)}`],
];

/** A predictable secret nobody else uses: 8 random characters, four times. */
const freshPredictable = () => generateSecret().slice(0, 8).repeat(4);

/** Runs `fn` (synchronously) and returns what it printed with console.warn. */
function warningsOf(fn: () => void): string[] {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
  try {
    fn();
  } finally {
    console.warn = original;
  }
  return warnings;
}

/** Asserts a ConfigError that says the newest secret is predictable and how to make one, without echoing it. */
function refusedAsPredictable(error: unknown, weak: string, label: string): true {
  assert.ok(error instanceof ConfigError, `${label}: ${String(error)}`);
  assert.match(error.message, /`secrets(\[0\])?` is too predictable to seal with/, label);
  assert.match(error.message, /shows \d+ independent characters, at least 16/, label);
  assert.match(error.message, /npx sealed-session secret/, label);
  assert.match(error.message, /generateSecret\(\)/, label);
  assert.ok(!error.message.includes(weak), `${label}: never echoes the secret`);
  return true;
}

const toHex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const random = (length: number) => crypto.getRandomValues(new Uint8Array(length));

/** Asserts a ConfigError whose message names `option` (and, for secrets, says how to make one). */
function rejects(options: unknown, option: string, howTo = false): void {
  assert.throws(
    () => createSessions(options as SessionsOptions),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `${option}: ${String(error)}`);
      assert.equal(error.code, "invalid_config");
      assert.ok(error.message.includes(option), `"${error.message}" names ${option}`);
      if (howTo) {
        assert.match(error.message, /generateSecret\(\)/);
        assert.match(error.message, /wrangler secret put/);
      }
      assert.ok(!error.message.includes(secret), "never echoes a secret");
      return true;
    },
  );
}

export default (t: Suite) => {
  t.test("generateSecret makes 43 base64url characters, different every time", () => {
    const a = generateSecret();
    assert.match(a, /^[\w-]{43}$/);
    assert.notEqual(a, generateSecret());
  });

  t.test("missing, empty, short or wrongly typed secrets say how to make one", () => {
    rejects({}, "secrets", true);
    rejects({ secrets: "" }, "secrets", true);
    rejects({ secrets: [] }, "secrets", true);
    rejects({ secrets: "x".repeat(31) }, "secrets", true);
    rejects({ secrets: [secret, "short"] }, "secrets[1]", true);
    rejects({ secrets: [secret, 42] }, "secrets[1]", true);
    rejects({ secrets: [{ id: "1" }] }, "secrets", true);
    rejects({ secrets: `${secret},` }, "secrets[1]", true);
  });

  t.test("a short secret's message gives its length, never its text", () => {
    const short = "abcdefghijklmnopqrstuvwxyz";
    assert.throws(
      () => createSessions({ secrets: short }),
      (error: unknown) =>
        error instanceof ConfigError && error.message.includes("26") && !error.message.includes(short),
    );
  });

  t.test("a predictable newest secret is refused, saying why and how to make one", () => {
    for (const [label, weak] of PREDICTABLE) {
      for (const secrets of [weak, [weak, secret], [{ id: "1", secret: weak }], `${weak},${secret}`]) {
        assert.throws(
          () => createSessions({ secrets }),
          (error: unknown) => refusedAsPredictable(error, weak, label),
        );
      }
    }
    assert.throws(
      () => createSessions({ secrets: "\u0000".repeat(64) }),
      /control characters count for nothing/,
    );
  });

  t.test("random secrets of every usual shape are accepted, newest or older, without a warning", () => {
    const shapes: string[] = [
      "tinker-oblong-saucy-umpire-gravel",
      "correct horse battery staple orbit",
      `${generateSecret()}\n`, // a stray newline from a file: control characters just do not count
    ];
    for (let i = 0; i < 25; i++) {
      shapes.push(
        generateSecret(),
        toHex(random(16)), // 32 hex digits
        toHex(random(32)).toUpperCase(),
        toBase64(random(32)), // 44 characters with padding
        toBase64(random(24)).replaceAll("+", "-").replaceAll("/", "_"), // 32 base64url characters
        crypto.randomUUID(),
        Array.from(random(32), (byte) => String(byte % 10)).join(""), // 32 decimal digits
      );
    }
    const warnings = warningsOf(() => {
      for (const shape of shapes) {
        createSessions({ secrets: shape });
        createSessions({ secrets: [secret, shape] });
      }
    });
    assert.deepEqual(warnings, []);
  });

  t.test(
    "a predictable older secret still opens what it sealed, with one warning that never shows it",
    async () => {
      const weak = freshPredictable();
      const warnings = warningsOf(() => {
        createSessions({ secrets: [secret, weak] });
        createSessions({ secrets: `${secret},${weak}` });
        createSessions({ secrets: [secret, { id: "1", secret: weak }], format: ["jwe", "iron"] });
      });
      assert.equal(warnings.length, 1, "once per secret");
      assert.match(warnings[0]!, /^sealed-session: `secrets\[1\]` is too predictable/);
      assert.match(warnings[0]!, /Rotate it out/);
      assert.match(warnings[0]!, /npx sealed-session secret/);
      assert.ok(!warnings[0]!.includes(weak.slice(0, 8)), "never shows the secret");
      // What it sealed before (here: by iron, as an iron-session app being adopted would have) still opens.
      const legacy = await ironSeal({ n: 1 }, weak, ironDefaults);
      assert.deepEqual(await unseal(legacy, { secrets: [secret, weak] }), { n: 1 });
    },
  );

  t.test("createTokens and low-level seal and unseal hold secrets to the same rule", async () => {
    const [, weak] = PREDICTABLE[1]!;
    const options = { issuer: "https://issuer.example", audience: "api" };
    assert.throws(
      () => createTokens({ ...options, secrets: weak }),
      (error: unknown) => refusedAsPredictable(error, weak, "createTokens"),
    );
    await assert.rejects(seal({ a: 1 }, { secrets: weak }), (error: unknown) =>
      refusedAsPredictable(error, weak, "seal"),
    );
    // unseal takes the same list as the seal it pairs with: its newest is the one that seals.
    await assert.rejects(unseal("x", { secrets: weak }), (error: unknown) =>
      refusedAsPredictable(error, weak, "unseal"),
    );
    const older = freshPredictable();
    const warnings = warningsOf(() => createTokens({ ...options, secrets: [secret, older] }));
    assert.equal(warnings.length, 1);
    const token = await seal({ a: 1 }, { secrets: [secret, older] });
    assert.deepEqual(await unseal(token, { secrets: [secret, older] }), { a: 1 });
  });

  t.test(
    "a comma always separates secrets in a string; an array can list a secret that has one",
    async () => {
      assert.throws(
        () => createSessions({ secrets: `${secret},${"y".repeat(12)}` }),
        (error: unknown) =>
          error instanceof ConfigError &&
          /`secrets\[1\]` is 12 characters/.test(error.message) &&
          /a comma separates secrets/.test(error.message) &&
          /an array can list any secret/.test(error.message),
      );
      const withComma = `${generateSecret()},${generateSecret()}`;
      const sessions = createSessions<{ n: number }>({ secrets: [withComma] });
      const jar = new Jar();
      await visit(sessions, jar, (session) => {
        session.data.n = 1;
      });
      assert.deepEqual((await visit(sessions, jar)).session.data, { n: 1 });
    },
  );

  t.test("duplicate secrets and duplicate or invalid pinned ids are rejected", () => {
    rejects({ secrets: [secret, secret] }, "secrets[1]");
    rejects(
      {
        secrets: [
          { id: "1", secret },
          { id: "1", secret: other },
        ],
      },
      "secrets[1]",
    );
    rejects({ secrets: [{ id: "a*b", secret }] }, "secrets");
    rejects({ secrets: [{ id: "", secret }] }, "secrets");
  });

  t.test("a comma-separated secrets string is split, newest first", async () => {
    const jar = new Jar();
    await visit(createSessions<{ n: number }>({ secrets: other }), jar, (session) => {
      session.data.n = 1;
    });
    const both = createSessions<{ n: number }>({ secrets: ` ${secret} , ${other} ` });
    const rotated = await visit(both, jar);
    assert.deepEqual(rotated.session.data, { n: 1 });
    assert.equal(rotated.written.length, 1, "re-sealed with the first listed");
    assert.equal((await visit(createSessions({ secrets: secret }), jar)).session.isNew, false);
  });

  t.test("format must be jwe, iron, or a list of them without repeats", () => {
    rejects({ secrets: secret, format: "aes" }, "format");
    rejects({ secrets: secret, format: [] }, "format");
    rejects({ secrets: secret, format: ["jwe", "jwe"] }, "format");
    rejects({ secrets: secret, format: ["jwe", "paseto"] }, "format");
  });

  t.test("lifetimes: whole seconds within bounds; refreshAfter needs idleTimeout and must be shorter", () => {
    rejects({ secrets: secret, maxAge: 0 }, "maxAge");
    rejects({ secrets: secret, maxAge: 1.5 }, "maxAge");
    rejects({ secrets: secret, maxAge: 401 * 86_400 }, "maxAge");
    rejects({ secrets: secret, maxAge: "3600" }, "maxAge");
    rejects({ secrets: secret, idleTimeout: -1 }, "idleTimeout");
    rejects({ secrets: secret, refreshAfter: 10 }, "refreshAfter");
    rejects({ secrets: secret, idleTimeout: 60, refreshAfter: 60 }, "refreshAfter");
    rejects({ secrets: secret, idleTimeout: 60, refreshAfter: 61 }, "refreshAfter");
    rejects({ secrets: secret, idleTimeout: 60, refreshAfter: -1 }, "refreshAfter");
    // Harmless: an idle timeout longer than the lifetime is clamped, not refused.
    assert.ok(createSessions({ secrets: secret, maxAge: 60, idleTimeout: 3600 }));
  });

  t.test("clockTolerance: 0 to 60 seconds", () => {
    rejects({ secrets: secret, clockTolerance: 61 }, "clockTolerance");
    rejects({ secrets: secret, clockTolerance: -1 }, "clockTolerance");
    rejects({ secrets: secret, clockTolerance: Number.NaN }, "clockTolerance");
    assert.ok(createSessions({ secrets: secret, clockTolerance: 0 }));
    assert.ok(createSessions({ secrets: secret, clockTolerance: 60 }));
  });

  t.test("cookie options that cannot work are refused, naming the option", () => {
    rejects({ secrets: secret, cookie: { sameSite: "none", secure: false } }, "cookie.secure");
    rejects({ secrets: secret, cookie: { sameSite: "loose" } }, "cookie.sameSite");
    rejects({ secrets: secret, cookie: { prefix: "__Host-", domain: "example.com" } }, "cookie.domain");
    rejects({ secrets: secret, cookie: { prefix: "__Host-", path: "/app" } }, "cookie.path");
    rejects({ secrets: secret, cookie: { name: "__Host-sid", domain: "example.com" } }, "cookie.domain");
    rejects({ secrets: secret, cookie: { prefix: "__Secure-", secure: false } }, "cookie.secure");
    rejects({ secrets: secret, cookie: { partitioned: true, secure: false } }, "cookie.partitioned");
    rejects({ secrets: secret, cookie: { maxChunks: 0 } }, "cookie.maxChunks");
    rejects({ secrets: secret, cookie: { maxChunks: 10 } }, "cookie.maxChunks");
    rejects({ secrets: secret, cookie: { maxChunks: 2.5 } }, "cookie.maxChunks");
    rejects({ secrets: secret, cookie: { name: "" } }, "cookie.name");
    rejects({ secrets: secret, cookie: { name: "a b" } }, "cookie.name");
    rejects({ secrets: secret, cookie: { name: "sid;x" } }, "cookie.name");
    rejects({ secrets: secret, cookie: { name: "sid.1" } }, "cookie.name");
    rejects({ secrets: secret, cookie: { name: "__Host-sid", prefix: "__Secure-" } }, "cookie.prefix");
    rejects({ secrets: secret, cookie: { path: "app" } }, "cookie.path");
    rejects({ secrets: secret, cookie: { domain: "a.com; x" } }, "cookie.domain");
    rejects({ secrets: secret, cookie: { warnAt: 0 } }, "cookie.warnAt");
  });

  t.test("other options: cacheControl, ironSuffix, the options object itself", () => {
    rejects({ secrets: secret, cacheControl: 1 }, "cacheControl");
    rejects({ secrets: secret, ironSuffix: "2" }, "ironSuffix");
    rejects({ secrets: secret, ironSuffix: "~two" }, "ironSuffix");
    assert.throws(() => createSessions(undefined as unknown as SessionsOptions), ConfigError);
  });

  t.test("low-level seal checks its options too", async () => {
    await assert.rejects(seal({}, { secrets: "short" }), { code: "invalid_config" });
    await assert.rejects(seal({}, { secrets: secret, format: "aes" as "jwe" }), { code: "invalid_config" });
    await assert.rejects(seal({}, { secrets: secret, ttl: -1 }), { code: "invalid_config" });
    await assert.rejects(unseal("x", { secrets: [] }), { code: "invalid_config" });
  });
};
