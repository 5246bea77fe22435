import assert from "node:assert/strict";
import { createSessions, DataError, generateSecret, seal } from "sealed-session";
import type { Suite } from "../harness.ts";
import { Jar, visit } from "../support/http.ts";

const secrets = generateSecret();

const cycle: Record<string, unknown> = { a: 1 };
cycle.self = cycle;

/** Values JSON would silently change or cannot hold, each in a field of the data. */
const notJson: [string, unknown][] = [
  ["Date", new Date(0)],
  ["Map", new Map([["a", 1]])],
  ["Set", new Set([1])],
  ["BigInt", 1n],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["function", () => 1],
  ["symbol", Symbol("s")],
  ["cycle", cycle],
  ["undefined in an array", [1, undefined, 3]],
  ["sparse array", Object.assign(new Array(3), { 0: 1, 2: 3 })],
  ["class instance", new (class Point {})()],
  ["RegExp", /a/],
  ["Uint8Array", new Uint8Array(2)],
  ["nested Date", { deep: [{ when: new Date(0) }] }],
];

function isNotJson(error: unknown): boolean {
  assert.ok(error instanceof DataError, String(error));
  assert.equal(error.code, "not_json");
  return true;
}

/** `[[[...]]]` or `{"a":{"a":...}}`, `depth` containers deep. */
function nested(depth: number, kind: "array" | "object"): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = kind === "array" ? [value] : { a: value };
  return value;
}

export default (t: Suite) => {
  t.test("nesting is capped at 64 levels: deeper data is a DataError, never a RangeError", async () => {
    const sessions = createSessions({ secrets });
    for (const kind of ["array", "object"] as const) {
      // The data object itself is one level, so 63 more fit and 64 more do not.
      const session = await sessions.load(new Request("https://example.com/"));
      session.data = { deep: nested(63, kind) };
      await sessions.commit(session, new Headers());
      for (const depth of [64, 6000, 100_000]) {
        assert.throws(() => {
          session.data = { deep: nested(depth, kind) };
        }, isNotJson);
        // Mutated in place, it is caught at commit instead.
        const again = await sessions.load(new Request("https://example.com/"));
        (again.data as Record<string, unknown>).deep = nested(depth, kind);
        await assert.rejects(sessions.commit(again, new Headers()), isNotJson);
      }
    }
  });

  t.test("assigning data JSON cannot round-trip throws DataError", async () => {
    const sessions = createSessions({ secrets });
    const session = await sessions.load(new Request("https://example.com/"));
    for (const [label, value] of notJson) {
      assert.throws(() => {
        session.data = { value };
      }, isNotJson);
      assert.deepEqual(session.data, {}, `${label}: the data is unchanged`);
    }
  });

  t.test("the same values put into data by mutation are refused at commit, writing nothing", async () => {
    const sessions = createSessions({ secrets });
    for (const [label, value] of notJson) {
      const session = await sessions.load(new Request("https://example.com/"));
      session.data.value = value;
      const headers = new Headers();
      await assert.rejects(sessions.commit(session, headers), isNotJson, label);
      assert.deepEqual(headers.getSetCookie(), [], label);
    }
  });

  t.test("the error names where the bad value is, not what it holds", async () => {
    const sessions = createSessions({ secrets });
    const session = await sessions.load(new Request("https://example.com/"));
    assert.throws(
      () => {
        session.data = { profile: { born: new Date(0) } };
      },
      (error: unknown) => error instanceof DataError && /profile\.born/.test(error.message),
    );
  });

  t.test("undefined object properties are dropped, as JSON does", async () => {
    const sessions = createSessions<{ a: number; b?: string }>({ secrets });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data = { a: 1, b: undefined };
    });
    const { session } = await visit(sessions, jar);
    assert.deepEqual(session.data, { a: 1 });
    assert.equal("b" in session.data, false);
  });

  t.test("plain JSON values round-trip exactly", async () => {
    const value = {
      text: 'héllo ✓ 𝄞 \u0000 "quoted" ;,=',
      numbers: [0, -0.5, 1e21, Number.MAX_SAFE_INTEGER],
      flags: [true, false, null],
      nested: { empty: {}, list: [] as unknown[] },
      "key with spaces": 1,
    };
    for (const format of ["jwe", "iron"] as const) {
      const sessions = createSessions<typeof value>({ secrets, format });
      const jar = new Jar();
      await visit(sessions, jar, (session) => {
        session.data = value;
      });
      assert.deepEqual((await visit(sessions, jar)).session.data, value, format);
    }
  });

  t.test("a __proto__ key round-trips as plain data and pollutes nothing", async () => {
    const sessions = createSessions<Record<string, unknown>>({ secrets });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    });
    const { session } = await visit(sessions, jar);
    assert.equal(session.data.a, 1);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((session.data as Record<string, unknown>).polluted, undefined);
  });

  t.test("data must be a plain object", async () => {
    const session = await createSessions({ secrets }).load(new Request("https://example.com/"));
    for (const bad of [null, [], "text", 1]) {
      assert.throws(() => {
        session.data = bad as unknown as Record<string, unknown>;
      }, TypeError);
    }
  });

  t.test("low-level seal refuses the same values", async () => {
    for (const [label, value] of notJson) {
      await assert.rejects(seal({ value }, { secrets }), isNotJson, label);
    }
  });
};
