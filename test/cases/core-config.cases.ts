import assert from "node:assert/strict";
import {
  ConfigError,
  createSessions,
  generateSecret,
  type SessionsOptions,
  seal,
  unseal,
} from "sealed-session";
import type { Suite } from "../harness.ts";
import { Jar, visit } from "../support/http.ts";

const secret = generateSecret();
const other = generateSecret();

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
