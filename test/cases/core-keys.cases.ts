import assert from "node:assert/strict";
import { createSessions, generateSecret, type ReasonCode, seal, UnsealError, unseal } from "sealed-session";
import type { Suite } from "../harness.ts";
import { Jar, keyIdOf, requestWithCookie, tamper, tokenOf, visit } from "../support/http.ts";

const oldSecret = generateSecret();
const newSecret = generateSecret();

async function rejectsWith(promise: Promise<unknown>, code: ReasonCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UnsealError, String(error));
    assert.equal(error.code, code);
    return true;
  });
}

export default (t: Suite) => {
  t.test("both formats round-trip; each token has its own shape", async () => {
    for (const [format, start] of [
      ["jwe", "eyJ"],
      ["iron", "Fe26.2*"],
    ] as const) {
      const sessions = createSessions<{ n: number }>({ secrets: newSecret, format });
      const jar = new Jar();
      const { written } = await visit(sessions, jar, (session) => {
        session.data.n = 5;
      });
      assert.ok(tokenOf(written).startsWith(start), format);
      const { session } = await visit(sessions, jar);
      assert.equal(session.isNew, false, format);
      assert.deepEqual(session.data, { n: 5 });
    }
  });

  t.test('format ["jwe", "iron"] reads an iron cookie and re-seals it as jwe on that response', async () => {
    const iron = createSessions<{ n: number }>({ secrets: newSecret, format: "iron" });
    const both = createSessions<{ n: number }>({ secrets: newSecret, format: ["jwe", "iron"] });
    const jar = new Jar();
    await visit(iron, jar, (session) => {
      session.data.n = 1;
    });
    const { session, written } = await visit(both, jar);
    assert.equal(session.isNew, false);
    assert.deepEqual(session.data, { n: 1 });
    assert.equal(written.length, 1);
    assert.ok(tokenOf(written).startsWith("eyJ"));
    assert.deepEqual((await visit(both, jar)).written, [], "already jwe: nothing more to write");
    assert.deepEqual((await visit(both, jar)).session.data, { n: 1 });
  });

  t.test("a manager that only reads one format rejects the other as malformed", async () => {
    for (const [writer, reader] of [
      ["iron", "jwe"],
      ["jwe", "iron"],
    ] as const) {
      const jar = new Jar();
      await visit(createSessions<{ n: number }>({ secrets: newSecret, format: writer }), jar, (session) => {
        session.data.n = 1;
      });
      const { session } = await visit(createSessions({ secrets: newSecret, format: reader }), jar);
      assert.equal(session.isNew, true);
      assert.equal(session.invalidReason, "malformed", `${writer} read by ${reader}`);
    }
  });

  t.test("key ids come from the secret's content: same secret, same id; other secret, other id", async () => {
    const tokenFor = async (secrets: string, format: "jwe" | "iron") => {
      const { written } = await visit(
        createSessions<{ n: number }>({ secrets, format }),
        new Jar(),
        (session) => {
          session.data.n = 1;
        },
      );
      return tokenOf(written);
    };
    for (const format of ["jwe", "iron"] as const) {
      const a = keyIdOf(await tokenFor(newSecret, format));
      const b = keyIdOf(await tokenFor(newSecret, format));
      const c = keyIdOf(await tokenFor(oldSecret, format));
      assert.match(a, /^\w{4,}$/);
      assert.equal(a, b);
      assert.notEqual(a, c);
      assert.ok(!newSecret.includes(a), "the id is not a piece of the secret");
    }
    // The same id in both formats, so an operator can tell which secret sealed a cookie.
    assert.equal(keyIdOf(await tokenFor(newSecret, "jwe")), keyIdOf(await tokenFor(newSecret, "iron")));
  });

  t.test("two managers with the same secret read each other's cookies", async () => {
    const one = createSessions<{ n: number }>({ secrets: newSecret });
    const two = createSessions<{ n: number }>({ secrets: [newSecret] });
    const jar = new Jar();
    await visit(one, jar, (session) => {
      session.data.n = 3;
    });
    assert.deepEqual((await visit(two, jar)).session.data, { n: 3 });
  });

  t.test("rotation: an older listed secret is accepted and re-sealed with the newest", async () => {
    for (const format of ["jwe", "iron"] as const) {
      const before = createSessions<{ n: number }>({ secrets: oldSecret, format });
      const during = createSessions<{ n: number }>({ secrets: [newSecret, oldSecret], format });
      const after = createSessions<{ n: number }>({ secrets: newSecret, format });
      const jar = new Jar();
      const first = await visit(before, jar, (session) => {
        session.data.n = 9;
      });
      const oldId = keyIdOf(tokenOf(first.written));
      const rotated = await visit(during, jar);
      assert.equal(rotated.session.isNew, false);
      assert.equal(rotated.session.id, first.session.id, "rotation keeps the session");
      assert.equal(rotated.written.length, 1, "re-sealed although unchanged");
      assert.notEqual(keyIdOf(tokenOf(rotated.written)), oldId);
      assert.deepEqual((await visit(during, jar)).written, [], "once re-sealed, nothing more to do");
      const done = await visit(after, jar);
      assert.equal(done.session.isNew, false, format);
      assert.deepEqual(done.session.data, { n: 9 });
    }
  });

  t.test("a secret no longer listed is rejected as unknown_key and its cookie cleared", async () => {
    const jar = new Jar();
    await visit(createSessions<{ n: number }>({ secrets: oldSecret }), jar, (session) => {
      session.data.n = 1;
    });
    const { session, written } = await visit(createSessions({ secrets: newSecret }), jar);
    assert.equal(session.invalidReason, "unknown_key");
    assert.equal(written.length, 1);
    assert.equal(written[0]?.value, "");
    assert.deepEqual(jar.names(), []);
  });

  t.test("a tampered cookie is rejected as bad_seal, in both formats", async () => {
    for (const format of ["jwe", "iron"] as const) {
      const sessions = createSessions<{ n: number }>({ secrets: newSecret, format });
      const jar = new Jar();
      await visit(sessions, jar, (session) => {
        session.data.n = 1;
      });
      const name = sessions.cookieName;
      jar.set(name, tamper(jar.get(name) ?? ""));
      const { session } = await visit(sessions, jar);
      assert.equal(session.invalidReason, "bad_seal", format);
      assert.deepEqual(jar.names(), []);
    }
  });

  t.test(
    "a pinned { id, secret } writes that id; an unpinned manager still reads and re-keys it",
    async () => {
      for (const format of ["jwe", "iron"] as const) {
        const pinned = createSessions<{ n: number }>({ secrets: [{ id: "7", secret: newSecret }], format });
        const derived = createSessions<{ n: number }>({ secrets: newSecret, format });
        const jar = new Jar();
        const first = await visit(pinned, jar, (session) => {
          session.data.n = 2;
        });
        assert.equal(keyIdOf(tokenOf(first.written)), "7");
        assert.deepEqual((await visit(pinned, jar)).written, []);
        const read = await visit(derived, jar);
        assert.deepEqual(read.session.data, { n: 2 });
        assert.notEqual(keyIdOf(tokenOf(read.written)), "7", "re-sealed under the derived id");
      }
    },
  );

  t.test("the same pinned id on another secret is a bad seal, not a match", async () => {
    const jar = new Jar();
    await visit(createSessions<{ n: number }>({ secrets: [{ id: "1", secret: oldSecret }] }), jar, (s) => {
      s.data.n = 1;
    });
    const { session } = await visit(createSessions({ secrets: [{ id: "1", secret: newSecret }] }), jar);
    assert.equal(session.invalidReason, "bad_seal");
  });

  t.test("a jwe cookie sealed for one cookie name does not load under another", async () => {
    const a = createSessions<{ n: number }>({ secrets: newSecret, cookie: { name: "a" } });
    const b = createSessions<{ n: number }>({ secrets: newSecret, cookie: { name: "b" } });
    const jar = new Jar();
    await visit(a, jar, (session) => {
      session.data.n = 1;
    });
    const token = jar.get(a.cookieName) ?? "";
    const session = await b.load(requestWithCookie(`${b.cookieName}=${token}`));
    assert.equal(session.isNew, true);
    assert.equal(session.invalidReason, "bad_seal");
    assert.equal((await a.load(requestWithCookie(`${a.cookieName}=${token}`))).isNew, false);
  });

  t.test("a jwe token from seal() is never a session cookie, whatever its purpose", async () => {
    const sessions = createSessions({ secrets: newSecret });
    const envelope = [1, "A".repeat(22), Date.now(), 3600, 0, 0, "admin", {}];
    for (const purpose of [undefined, sessions.cookieName, "session", `cookie:${sessions.cookieName}`]) {
      const token = await seal(envelope, { secrets: newSecret, purpose });
      const session = await sessions.load(requestWithCookie(`${sessions.cookieName}=${token}`));
      assert.equal(session.invalidReason, "bad_seal", String(purpose));
    }
  });

  t.test("low-level seal/unseal round-trips both formats", async () => {
    const value = { user: "ada", roles: ["admin"], n: 1.5, nested: { ok: true, none: null } };
    for (const format of ["jwe", "iron"] as const) {
      const token = await seal(value, { secrets: newSecret, format });
      assert.deepEqual(await unseal(token, { secrets: newSecret }), value);
      assert.deepEqual(await unseal(token, { secrets: [newSecret], format }), value);
    }
  });

  t.test("low-level purpose binds a jwe token: another purpose cannot open it", async () => {
    const token = await seal({ email: "a@example.com" }, { secrets: newSecret, purpose: "verify-email" });
    assert.deepEqual(await unseal(token, { secrets: newSecret, purpose: "verify-email" }), {
      email: "a@example.com",
    });
    await rejectsWith(unseal(token, { secrets: newSecret, purpose: "reset-password" }), "bad_seal");
    await rejectsWith(unseal(token, { secrets: newSecret }), "bad_seal");
  });

  t.test("low-level unseal names why: unknown_key, bad_seal, malformed, format not accepted", async () => {
    for (const format of ["jwe", "iron"] as const) {
      const token = await seal({ a: 1 }, { secrets: oldSecret, format });
      await rejectsWith(unseal(token, { secrets: newSecret }), "unknown_key");
      await rejectsWith(unseal(tamper(token), { secrets: oldSecret }), "bad_seal");
      await rejectsWith(unseal(token.slice(0, -3), { secrets: oldSecret }), "malformed");
      const other = format === "jwe" ? "iron" : "jwe";
      await rejectsWith(unseal(token, { secrets: oldSecret, format: other }), "malformed");
      assert.deepEqual(await unseal(token, { secrets: [newSecret, oldSecret] }), { a: 1 });
    }
    await rejectsWith(unseal("", { secrets: oldSecret }), "malformed");
    await rejectsWith(unseal(42 as unknown as string, { secrets: oldSecret }), "malformed");
  });
};
