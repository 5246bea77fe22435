// The cookie prefixes __Host-Http- and __Http- (draft-ietf-httpbis-layered-cookies), the errors
// where a cookie does not qualify, and renaming a cookie through `cookie.previousNames` with nobody
// logged out.
import assert from "node:assert/strict";
import { ConfigError, createSessions, generateSecret, type SessionsOptions } from "sealed-session";
import type { Suite } from "../harness.ts";
import { isClearing, Jar, type SetCookie, tamper, visit } from "../support/http.ts";

const secrets = generateSecret();

const live = (written: readonly SetCookie[]) => written.filter((cookie) => !isClearing(cookie));
const cleared = (written: readonly SetCookie[]) => written.filter(isClearing).map((cookie) => cookie.name);

function refuses(options: SessionsOptions["cookie"], pattern: RegExp) {
  assert.throws(
    () => createSessions({ secrets, cookie: options }),
    (error: unknown) => error instanceof ConfigError && pattern.test(error.message),
  );
}

/** Random text that does not compress: every byte travels. */
const noise = (length: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) => (byte % 36).toString(36)).join("");

export default (t: Suite) => {
  t.test("__Host-Http-: Secure, HttpOnly, Path=/ and no Domain, on every chunk", async () => {
    const sessions = createSessions<{ blob: string }>({
      secrets,
      cookie: { prefix: "__Host-Http-", maxBytes: 3 * 4096, maxChunks: 3 },
    });
    assert.equal(sessions.cookieName, "__Host-Http-session");
    const { written } = await visit(sessions, new Jar(), (session) => {
      session.data.blob = noise(5000);
    });
    assert.deepEqual(
      written.map((cookie) => cookie.name),
      ["__Host-Http-session.0", "__Host-Http-session.1"],
    );
    for (const cookie of written) {
      assert.equal(cookie.attributes.get("secure"), true);
      assert.equal(cookie.attributes.get("httponly"), true);
      assert.equal(cookie.attributes.get("path"), "/");
      assert.equal(cookie.attributes.has("domain"), false);
    }
  });

  t.test("__Http-: Secure and HttpOnly, and a Domain or Path may be set", async () => {
    const sessions = createSessions<{ n: number }>({
      secrets,
      cookie: { name: "__Http-sid", domain: "example.com", path: "/app" },
    });
    assert.equal(sessions.cookieName, "__Http-sid");
    const { written } = await visit(sessions, new Jar(), (session) => {
      session.data.n = 1;
    });
    const [cookie] = written;
    assert.equal(cookie?.name, "__Http-sid");
    assert.equal(cookie?.attributes.get("httponly"), true);
    assert.equal(cookie?.attributes.get("secure"), true);
    assert.equal(cookie?.attributes.get("domain"), "example.com");
    assert.equal(
      createSessions({ secrets, cookie: { name: "__Host-Http-sid" } }).cookieName,
      "__Host-Http-sid",
    );
  });

  t.test("a cookie that does not qualify for its prefix is a ConfigError naming what to change", () => {
    refuses(
      { prefix: "__Host-Http-", httpOnly: false },
      /__Host-Http- prefix needs `cookie\.httpOnly: true`/,
    );
    refuses(
      { prefix: "__Host-Http-", domain: "example.com" },
      /__Host-Http- prefix needs no `cookie\.domain`/,
    );
    refuses({ prefix: "__Host-Http-", path: "/app" }, /__Host-Http- prefix needs `cookie\.path: "\/"`/);
    refuses({ prefix: "__Http-", httpOnly: false }, /__Http- prefix needs `cookie\.httpOnly: true`/);
    refuses(
      { prefix: "__Http-", secure: false, httpOnly: false },
      /__Http- prefix needs `cookie\.secure: true`, `cookie\.httpOnly: true`/,
    );
    refuses({ prefix: "__Host-", domain: "example.com" }, /__Host- prefix needs no `cookie\.domain`/);
    refuses({ prefix: "__Secure-", secure: false }, /__Secure- prefix needs `cookie\.secure: true`/);
    refuses(
      { name: "__Host-Http-sid", prefix: "__Host-" },
      /starts with __Host-Http- but `cookie\.prefix` is "__Host-"/,
    );
    refuses({ prefix: "__Bogus-" as never }, /`cookie\.prefix` must be one of/);
  });

  t.test(
    "renaming via previousNames logs nobody out: read the old name, write the new, clear the old",
    async () => {
      const before = createSessions<{ cart: string[] }>({ secrets });
      const jar = new Jar();
      const first = await visit(before, jar, (session) => {
        session.login("ada");
        session.data.cart = ["book"];
      });
      assert.deepEqual(jar.names(), ["__Host-session"]);
      const after = createSessions<{ cart: string[] }>({
        secrets,
        cookie: { prefix: "__Host-Http-", previousNames: ["__Host-session"] },
      });
      const { session, written } = await visit(after, jar);
      assert.equal(session.isNew, false);
      assert.equal(session.invalidReason, undefined);
      assert.equal(session.id, first.session.id);
      assert.equal(session.userId, "ada");
      assert.deepEqual(session.data, { cart: ["book"] });
      assert.deepEqual(
        live(written).map((cookie) => cookie.name),
        ["__Host-Http-session"],
      );
      assert.deepEqual(cleared(written), ["__Host-session"]);
      assert.deepEqual(jar.names(), ["__Host-Http-session"]);
      const next = await visit(after, jar);
      assert.equal(next.session.userId, "ada");
      assert.equal(next.written.length, 0);
    },
  );

  t.test("a rename reads old chunked and iron cookies, and a renamed base name", async () => {
    const before = createSessions<{ blob: string }>({
      secrets,
      format: "iron",
      cookie: { name: "sid", maxBytes: 3 * 4096, maxChunks: 3 },
    });
    const jar = new Jar();
    const blob = noise(5000);
    await visit(before, jar, (session) => {
      session.login("ada");
      session.data.blob = blob;
    });
    assert.deepEqual(jar.names(), ["__Host-sid.0", "__Host-sid.1"]);
    const after = createSessions<{ blob: string }>({
      secrets,
      format: ["jwe", "iron"],
      cookie: { prefix: "__Host-Http-", previousNames: ["__Host-sid"], maxBytes: 3 * 4096, maxChunks: 3 },
    });
    const { session, written } = await visit(after, jar);
    assert.equal(session.userId, "ada");
    assert.equal(session.data.blob, blob);
    assert.deepEqual(cleared(written).sort(), ["__Host-sid.0", "__Host-sid.1"]);
    assert.deepEqual(jar.names().sort(), ["__Host-Http-session.0", "__Host-Http-session.1"]);
  });

  t.test("the current cookie wins over an old one; a bad old cookie is refused and cleared", async () => {
    const old = createSessions({ secrets });
    const current = createSessions({ secrets, cookie: { name: "sid", previousNames: ["__Host-session"] } });
    const jar = new Jar();
    await visit(old, jar, (session) => session.login("old"));
    const oldCookie = jar.get("__Host-session")!;
    await visit(current, jar, (session) => session.login("new"));
    // A browser that kept the old cookie too (restored from a backup, say).
    jar.set("__Host-session", oldCookie);
    const { session, written } = await visit(current, jar, (session) => {
      session.data.n = 1;
    });
    assert.equal(session.userId, "new");
    assert.deepEqual(cleared(written), ["__Host-session"]);

    const tampered = new Jar();
    tampered.set("__Host-session", tamper(oldCookie));
    const refused = await visit(current, tampered);
    assert.equal(refused.session.invalidReason, "bad_seal");
    assert.deepEqual(cleared(refused.written), ["__Host-session"]);
  });

  t.test("a cookie's name is bound into its seal: moved to another name, it does not open", async () => {
    const old = createSessions({ secrets });
    const jar = new Jar();
    await visit(old, jar, (session) => session.login("ada"));
    // The same value under the new name, without previousNames: refused, not accepted.
    const renamed = createSessions({ secrets, cookie: { prefix: "__Host-Http-" } });
    const moved = new Jar();
    moved.set("__Host-Http-session", jar.get("__Host-session")!);
    assert.equal((await visit(renamed, moved)).session.invalidReason, "bad_seal");
  });

  t.test("previousNames must be full names, not the current one, without repeats, at most 4", () => {
    refuses({ previousNames: ["__Host-session"] }, /lists the current name/);
    refuses({ previousNames: ["old.1"] }, /full cookie names/);
    refuses({ previousNames: ["bad name"] }, /full cookie names/);
    refuses({ previousNames: ["a", "a"] }, /twice/);
    refuses({ previousNames: ["a", "b", "c", "d", "e"] }, /at most 4/);
    refuses({ previousNames: "old" as never }, /at most 4/);
  });
};
