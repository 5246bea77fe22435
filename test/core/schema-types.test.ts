// Type-level checks: `Data` is inferred from a zod or valibot schema, and the copied Standard Schema
// interface still matches @standard-schema/spec's (both ways), so any validator that implements the
// spec is accepted.
import type { StandardSchemaV1 as Spec } from "@standard-schema/spec";
import { createSessions, generateSecret, type StandardSchemaV1 } from "sealed-session";
import { sessions } from "sealed-session/hono";
import * as v from "valibot";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";

const secrets = generateSecret();

describe("schema types", () => {
  it("infers Data from a zod schema", () => {
    const _sessions = createSessions({
      secrets,
      schema: z.object({ views: z.number(), cart: z.array(z.string()).optional() }),
      initialData: () => ({ views: 0 }),
    });
    expectTypeOf<Parameters<typeof _sessions.commit>[0]["data"]>().toEqualTypeOf<
      Partial<{ views: number; cart?: string[] | undefined }>
    >();
  });

  it("infers Data from a valibot schema", () => {
    const _sessions = createSessions({
      secrets,
      schema: v.object({ views: v.number(), cart: v.optional(v.array(v.string())) }),
      initialData: () => ({ views: 0 }),
    });
    expectTypeOf<Parameters<typeof _sessions.commit>[0]["data"]>().toEqualTypeOf<
      Partial<{ views: number; cart?: string[] | undefined }>
    >();
  });

  it("the Hono middleware takes a schema with Data named from it", () => {
    const schema = z.object({ views: z.number() });
    const middleware = sessions<z.infer<typeof schema>>({
      secrets,
      schema,
      initialData: () => ({ views: 0 }),
    });
    expectTypeOf(middleware).toBeFunction();
  });

  it("the copied interface and the spec's are interchangeable", () => {
    expectTypeOf<Spec<unknown, { a: number }>>().toExtend<StandardSchemaV1<unknown, { a: number }>>();
    expectTypeOf<StandardSchemaV1<unknown, { a: number }>>().toExtend<Spec<unknown, { a: number }>>();
  });
});
