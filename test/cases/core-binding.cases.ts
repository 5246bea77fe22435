/**
 * A sealed value is bound to what it was sealed for: a session cookie to its cookie name, a `seal()`
 * token to its purpose — in both formats. What stays unbound, on purpose: `seal`/`unseal` without a
 * purpose (iron tokens then interoperate with iron-session and @hapi/iron) and `adoptIronSessions`.
 */
import assert from "node:assert/strict";
import { createSessions, type Format, generateSecret, seal, UnsealError, unseal } from "sealed-session";
import type { Suite } from "../harness.ts";
import { Jar, requestWithCookie, tokenOf, visit } from "../support/http.ts";

const secrets = generateSecret();
const formats: Format[] = ["jwe", "iron"];

const rejectedWith = (code: string) => (error: unknown) =>
  error instanceof UnsealError && error.code === code;

export default (t: Suite) => {
  for (const format of formats) {
    t.test(`${format}: a session cookie of one cookie name does not load under another`, async () => {
      const a = createSessions({ secrets, format, cookie: { name: "a" } });
      const b = createSessions({ secrets, format, cookie: { name: "b" } });
      const jar = new Jar();
      const { written } = await visit(a, jar, (session) => session.login("ada"));
      const session = await b.load(requestWithCookie(`${b.cookieName}=${tokenOf(written)}`));
      assert.equal(session.invalidReason, "bad_seal");
      assert.equal(session.userId, undefined);
    });

    t.test(`${format}: a value sealed for a purpose never loads as a session`, async () => {
      const sessions = createSessions({ secrets, format });
      const now = Date.now();
      // Exactly what a logged-in session seals: only its key differs.
      const envelope = [1, "A".repeat(22), now, 3600, 0, 0, "mallory", {}];
      for (const purpose of ["password-reset", "default", `cookie:${sessions.cookieName}`]) {
        const token = await seal(envelope, { secrets, format, purpose });
        const session = await sessions.load(requestWithCookie(`${sessions.cookieName}=${token}`));
        assert.equal(session.invalidReason, "bad_seal", purpose);
        assert.equal(session.userId, undefined);
      }
    });

    t.test(`${format}: unseal with another purpose, or none, refuses a purpose-bound token`, async () => {
      const token = await seal({ reset: "ada" }, { secrets, format, purpose: "password-reset" });
      assert.deepEqual(await unseal(token, { secrets, purpose: "password-reset" }), { reset: "ada" });
      for (const purpose of ["email-change", undefined]) {
        await assert.rejects(unseal(token, { secrets, purpose }), rejectedWith("bad_seal"), String(purpose));
      }
      const plain = await seal({ reset: "ada" }, { secrets, format });
      await assert.rejects(unseal(plain, { secrets, purpose: "password-reset" }), rejectedWith("bad_seal"));
    });
  }

  t.test("iron: without acceptLegacyIron, an envelope sealed with the raw secret is no session", async () => {
    const sessions = createSessions({ secrets, format: "iron", acceptLegacyIron: false });
    const token = await seal([1, "A".repeat(22), Date.now(), 3600, 0, 0, "mallory", {}], {
      secrets,
      format: "iron",
    });
    const session = await sessions.load(requestWithCookie(`${sessions.cookieName}=${token}`));
    assert.equal(session.invalidReason, "bad_seal");
  });

  t.test("iron: acceptLegacyIron must be a boolean or a valid Date", () => {
    for (const acceptLegacyIron of ["yes", 1, new Date(Number.NaN)]) {
      assert.throws(
        () =>
          createSessions({
            secrets,
            format: "iron",
            acceptLegacyIron: acceptLegacyIron as unknown as boolean,
          }),
        /acceptLegacyIron/,
      );
    }
  });
};
