// Type-level tests (checked by `npm run typecheck`; the runtime assertions are trivially true).
// They pin down in which app forms the session type reaches handlers, as docs/hono.md says.
import { Hono } from "hono";
import type { Session, Sessions } from "sealed-session";
import { type SessionEnv, sessions } from "sealed-session/hono";
import { describe, expectTypeOf, it } from "vitest";
import { chained, typed } from "../../examples/hono-typed.ts";

type Data = { cart: string[]; count: number };
type Flash = { notice: string };
const secrets = "a-secret-of-at-least-32-characters-0123456789";

describe("the session type flows to handlers", () => {
  it("with a chained new Hono().use(sessions<Data>())", () => {
    new Hono().use(sessions<Data, Flash>({ secrets })).get("/", (c) => {
      expectTypeOf(c.var.session).toEqualTypeOf<Session<Data, Flash>>();
      expectTypeOf(c.get("session").data.count).toEqualTypeOf<number | undefined>();
      expectTypeOf(c.var.sessions).toEqualTypeOf<Sessions<Data, Flash>>();
      expectTypeOf(c.var.session.flash("notice")).toEqualTypeOf<string | undefined>();
      // @ts-expect-error: not a key of Data
      c.var.session.data.missing = 1;
      // @ts-expect-error: wrong value type
      c.var.session.data.count = "one";
      // @ts-expect-error: not a key of Flash
      c.var.session.flash("other", "x");
      return c.text("ok");
    });
  });

  it("with a path: new Hono().use('/api/*', sessions<Data>())", () => {
    new Hono().use("/api/*", sessions<Data>({ secrets })).get("/api/x", (c) => {
      expectTypeOf(c.var.session).toEqualTypeOf<Session<Data, Record<string, unknown>>>();
      return c.text("ok");
    });
  });

  it("with new Hono<SessionEnv<Data>>() and separate statements, bindings included", () => {
    type Bindings = { SESSION_SECRETS: string };
    const app = new Hono<{ Bindings: Bindings } & SessionEnv<Data>>();
    app.use(sessions<Data>((c) => ({ secrets: c.env.SESSION_SECRETS })));
    app.get("/", (c) => {
      expectTypeOf(c.var.session).toEqualTypeOf<Session<Data, Record<string, unknown>>>();
      expectTypeOf(c.env.SESSION_SECRETS).toEqualTypeOf<string>();
      return c.text("ok");
    });
  });

  it("the examples in docs/hono.md", () => {
    chained.get("/x", (c) => {
      expectTypeOf(c.var.session.data.cart).toEqualTypeOf<string[] | undefined>();
      return c.text("ok");
    });
    typed.get("/x", (c) => {
      expectTypeOf(c.var.session.flash("notice")).toEqualTypeOf<string | undefined>();
      return c.text("ok");
    });
  });

  it("but not with a separate app.use() on an untyped app", () => {
    const app = new Hono();
    app.use(sessions<Data>({ secrets }));
    app.get("/", (c) => {
      // @ts-expect-error: the untyped app's variables do not know the session
      expectTypeOf(c.var.session).toEqualTypeOf<Session<Data, Record<string, unknown>>>();
      return c.text("ok");
    });
  });
});
