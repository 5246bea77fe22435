// Schemas (Standard Schema, with zod and valibot) and versioned data migrations, on cookies and on
// store records: a stricter schema or a new data shape never logs anybody out.
import assert from "node:assert/strict";
import {
  ConfigError,
  createSessions,
  DataError,
  generateSecret,
  type ReasonCode,
  type SessionsOptions,
  type StandardSchemaV1,
} from "sealed-session";
import { memoryStore } from "sealed-session/store";
import * as v from "valibot";
import { z } from "zod";
import type { Suite } from "../harness.ts";
import { Jar, visit } from "../support/http.ts";

const secrets = generateSecret();

/** The same shape in both libraries: views (a whole number ≥ 0), an optional cart of SKU → qty. */
const validators = [
  {
    name: "zod",
    schema: z.object({
      views: z.number().int().min(0),
      cart: z.record(z.string(), z.number().int().min(1)).optional(),
    }),
    loose: z.object({ views: z.number().int().min(0).default(0) }),
  },
  {
    name: "valibot",
    schema: v.object({
      views: v.pipe(v.number(), v.integer(), v.minValue(0)),
      cart: v.optional(v.record(v.string(), v.pipe(v.number(), v.integer(), v.minValue(1)))),
    }),
    loose: v.object({ views: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0) }),
  },
] as const;

/** A manager with no schema, writing whatever data a test needs into the same cookie. */
const writer = (options: Partial<SessionsOptions> = {}) =>
  createSessions({ secrets, maxAge: 3600, ...options });

/** A jar holding a logged-in session with `data`, written by a schema-less manager. */
async function cookieWith(data: Record<string, unknown>, options: Partial<SessionsOptions> = {}) {
  const jar = new Jar();
  const { session } = await visit(writer(options), jar, (session) => {
    session.login("ada");
    session.data = data;
  });
  return { jar, session };
}

export default (t: Suite) => {
  for (const { name, schema, loose } of validators) {
    t.test(`${name}: data that passes the schema loads, typed from the schema`, async () => {
      const sessions = createSessions({ secrets, maxAge: 3600, schema, initialData: () => ({ views: 0 }) });
      const { jar } = await cookieWith({ views: 3, cart: { book: 2 } });
      const { session } = await visit(sessions, jar, (session) => {
        // `views` is a number to the type checker: the schema's output type.
        session.data.views = (session.data.views ?? 0) + 1;
      });
      assert.equal(session.invalidReason, undefined);
      assert.deepEqual((await visit(sessions, jar)).session.data, { views: 4, cart: { book: 2 } });
    });

    t.test(
      `${name}: data failing the schema on load is reset; id, user and expiry stay (invalid_data)`,
      async () => {
        const reasons: ReasonCode[] = [];
        const sessions = createSessions({
          secrets,
          maxAge: 3600,
          schema,
          initialData: () => ({ views: 0 }),
          onInvalid: ({ reason }) => reasons.push(reason),
        });
        const { jar, session: before } = await cookieWith({ views: "many", cart: { book: 0 } });
        const { session, written } = await visit(sessions, jar);
        assert.equal(session.invalidReason, "invalid_data");
        assert.equal(session.isNew, false);
        assert.equal(session.id, before.id);
        assert.equal(session.userId, "ada");
        assert.equal(session.expiresAt, before.expiresAt);
        assert.deepEqual(session.data, { views: 0 });
        assert.deepEqual(reasons, ["invalid_data"]);
        // The reset is written, so the next request is clean and still logged in.
        assert.equal(written.length, 1);
        const next = await visit(sessions, jar);
        assert.equal(next.session.invalidReason, undefined);
        assert.equal(next.session.userId, "ada");
        assert.deepEqual(next.session.data, { views: 0 });
      },
    );

    t.test(`${name}: invalid data at commit is a DataError naming the path; nothing is written`, async () => {
      const sessions = createSessions({ secrets, schema, initialData: () => ({ views: 0 }) });
      const jar = new Jar();
      await visit(sessions, jar, (session) => {
        session.data.views = 1;
      });
      const session = await sessions.load(jar.request());
      session.data.cart = { book: -1 };
      const headers = new Headers();
      await assert.rejects(sessions.commit(session, headers), (error: unknown) => {
        assert.ok(error instanceof DataError);
        assert.equal(error.code, "invalid_data");
        assert.deepEqual(error.path, ["cart", "book"]);
        assert.match(error.message, /at cart\.book/);
        // The value is the user's input: it never appears in the message.
        assert.doesNotMatch(error.message, /-1/);
        assert.ok(error.issues.length > 0);
        return true;
      });
      assert.deepEqual(headers.getSetCookie(), []);
    });

    t.test(`${name}: a new session starts from the schema's defaults without initialData`, async () => {
      const sessions = createSessions({ secrets, schema: loose });
      const jar = new Jar();
      const { session, written } = await visit(sessions, jar);
      assert.deepEqual(session.data, { views: 0 });
      // Untouched initial data is no change: nothing is written.
      assert.equal(written.length, 0);
    });
  }

  t.test(
    "the empty object must pass the schema, or initialData must: else ConfigError at start-up",
    async () => {
      const [zod, valibot] = validators;
      for (const schema of [zod.schema, valibot.schema]) {
        assert.throws(
          () => createSessions({ secrets, schema }),
          (error: unknown) =>
            error instanceof ConfigError && /initialData/.test(error.message) && /views/.test(error.message),
        );
        assert.throws(
          () => createSessions({ secrets, schema, initialData: () => ({ views: -1 }) }),
          ConfigError,
        );
        const sessions = createSessions({ secrets, schema, initialData: () => ({ views: 0 }) });
        const { session, written } = await visit(sessions, new Jar());
        assert.deepEqual(session.data, { views: 0 });
        assert.equal(written.length, 0);
      }
      assert.throws(() => createSessions({ secrets, schema: {} as never }), /Standard Schema/);
      assert.throws(
        () => createSessions({ secrets, initialData: () => ({ at: new Date(0) }) }),
        (error: unknown) =>
          error instanceof ConfigError && /initialData\(\)` must return plain JSON/.test(error.message),
      );
      assert.throws(() => createSessions({ secrets, dataVersion: 2 }), /migrate/);
      assert.throws(
        () => createSessions({ secrets, dataVersion: -1, migrate: (data) => data }),
        /dataVersion/,
      );
    },
  );

  t.test("an async schema: checked on the first load, validated on load and at commit", async () => {
    const calls: unknown[] = [];
    const asyncSchema: StandardSchemaV1<unknown, { n: number }> = {
      "~standard": {
        version: 1,
        vendor: "test",
        async validate(value) {
          calls.push(value);
          await new Promise((resolve) => setTimeout(resolve, 1));
          const n = (value as { n?: unknown }).n;
          return typeof n === "number" ? { value: { n } } : { issues: [{ message: "n", path: ["n"] }] };
        },
      },
    };
    const refused = createSessions({ secrets, schema: asyncSchema });
    // {} fails: the first load says so, as a ConfigError.
    await assert.rejects(refused.load(new Request("https://example.com/")), ConfigError);
    const sessions = createSessions({ secrets, schema: asyncSchema, initialData: () => ({ n: 0 }) });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data.n = 2;
    });
    assert.deepEqual((await visit(sessions, jar)).session.data, { n: 2 });
    const session = await sessions.load(jar.request());
    (session.data as Record<string, unknown>).n = "two";
    await assert.rejects(sessions.commit(session, new Headers()), DataError);
  });

  t.test("login as another user starts from initialData, which passes the schema", async () => {
    const [zod] = validators;
    const sessions = createSessions({ secrets, schema: zod.schema, initialData: () => ({ views: 0 }) });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.login("ada");
      session.data.views = 5;
    });
    const { session } = await visit(sessions, jar, (session) => session.login("bob"));
    assert.deepEqual(session.data, { views: 0 });
  });

  t.test("migrations: a v1 cookie is upgraded to v3 step by step on load and re-sealed", async () => {
    const v1 = createSessions({ secrets, maxAge: 3600, dataVersion: 1, migrate: (data) => data });
    const jar = new Jar();
    const first = await visit(v1, jar, (session) => {
      session.login("ada");
      session.data = { name: "Ada Lovelace" };
    });
    const steps: number[] = [];
    // v2 splits the name; v3 counts views.
    const migrate = (data: Record<string, unknown>, from: number) => {
      steps.push(from);
      if (from === 1) {
        const [first = "", last = ""] = String(data.name).split(" ");
        return { first, last };
      }
      if (from === 2) return { ...data, views: 0 };
      throw new Error(`no migration from ${from}`);
    };
    const schema = z.object({ first: z.string(), last: z.string(), views: z.number() });
    const v3 = createSessions({
      secrets,
      maxAge: 3600,
      dataVersion: 3,
      migrate,
      schema,
      initialData: () => ({ first: "", last: "", views: 0 }),
    });
    const { session, written } = await visit(v3, jar);
    assert.deepEqual(steps, [1, 2]);
    assert.equal(session.invalidReason, undefined);
    assert.equal(session.id, first.session.id);
    assert.equal(session.userId, "ada");
    assert.deepEqual(session.data, { first: "Ada", last: "Lovelace", views: 0 });
    assert.equal(written.length, 1, "the upgraded data is re-sealed");
    // Re-sealed as v3: no migration runs again.
    const again = await visit(v3, jar);
    assert.deepEqual(steps, [1, 2]);
    assert.deepEqual(again.session.data, { first: "Ada", last: "Lovelace", views: 0 });
  });

  t.test("migrations: data a migration throws on is reset (invalid_data), the session stays", async () => {
    const v1 = createSessions({ secrets, dataVersion: 1, migrate: (data) => data });
    const jar = new Jar();
    await visit(v1, jar, (session) => {
      session.login("ada");
      session.data = { broken: true };
    });
    const v2 = createSessions({
      secrets,
      dataVersion: 2,
      migrate: () => {
        throw new Error("cannot");
      },
    });
    const { session } = await visit(v2, jar);
    assert.equal(session.invalidReason, "invalid_data");
    assert.equal(session.userId, "ada");
    assert.deepEqual(session.data, {});
  });

  t.test("migrations: a store record is upgraded v1 → v3 on read and patched", async () => {
    const store = memoryStore();
    const v1 = createSessions({ secrets, maxAge: 3600, dataVersion: 1, migrate: (data) => data, store });
    const jar = new Jar();
    await visit(v1, jar, (session) => {
      session.login("ada");
      session.moveToStore();
      session.data = { cart: ["book", "book", "pen"] };
    });
    const steps: number[] = [];
    const migrate = (data: Record<string, unknown>, from: number) => {
      steps.push(from);
      if (from === 1) {
        // v2: a cart of SKU → quantity.
        const cart: Record<string, number> = {};
        for (const sku of data.cart as string[]) cart[sku] = (cart[sku] ?? 0) + 1;
        return { cart };
      }
      return { ...data, currency: "EUR" };
    };
    const v3 = createSessions({ secrets, maxAge: 3600, dataVersion: 3, migrate, store });
    const { session } = await visit(v3, jar);
    assert.equal(session.storedIn, "store");
    assert.deepEqual(steps, [1, 2]);
    assert.deepEqual(session.data, { cart: { book: 2, pen: 1 }, currency: "EUR" });
    // The record itself was upgraded: a later request reads v3 data and migrates nothing.
    const again = await visit(v3, jar);
    assert.deepEqual(steps, [1, 2]);
    assert.equal(again.session.userId, "ada");
    assert.deepEqual(again.session.data, { cart: { book: 2, pen: 1 }, currency: "EUR" });
  });

  t.test("a cookie from a newer data version loads read-only and keeps its cookie", async () => {
    const newer = createSessions({ secrets, dataVersion: 3, migrate: (data) => data });
    const jar = new Jar();
    const first = await visit(newer, jar, (session) => {
      session.login("ada");
      session.data = { shape: "v3" };
    });
    const older = createSessions({
      secrets,
      dataVersion: 2,
      migrate: () => {
        throw new Error("never called for newer data");
      },
      // A v2 schema the v3 data fails: it is not even asked.
      schema: z.object({ legacy: z.string() }),
      initialData: () => ({ legacy: "" }),
    });
    const { session, written } = await visit(older, jar, (session) => {
      session.data = { legacy: "changed" };
    });
    assert.equal(session.readOnly, true);
    assert.equal(session.invalidReason, undefined);
    assert.equal(session.id, first.session.id);
    assert.equal(session.userId, "ada");
    assert.equal(written.length, 0, "the newer cookie is left as it is");
    // The newer instance still reads it unchanged.
    assert.deepEqual((await visit(newer, jar)).session.data, { shape: "v3" });
  });

  t.test("a store record from a newer data version loads read-only; the record is untouched", async () => {
    const store = memoryStore();
    const newer = createSessions({ secrets, dataVersion: 2, migrate: (data) => data, store });
    const jar = new Jar();
    await visit(newer, jar, (session) => {
      session.login("ada");
      session.moveToStore();
      session.data = { shape: "v2" };
    });
    const older = createSessions({ secrets, dataVersion: 1, migrate: (data) => data, store });
    const { session, written } = await visit(older, jar, (session) => {
      session.data = { shape: "v1" };
    });
    assert.equal(session.readOnly, true);
    assert.deepEqual(written, []);
    assert.deepEqual((await visit(newer, jar)).session.data, { shape: "v2" });
  });
};
