/**
 * Hono request paths, as users run each library (caches included). Every app has the same two
 * routes: `/write` bumps a counter (the session changes → Set-Cookie) and `/read` only reads it.
 *
 * - write: each request carries the cookie the previous response set, like one browser clicking on.
 * - read: the same cookie on every request; ours should neither seal nor send Set-Cookie.
 * Overhead = median(app with middleware) − median(bare app), both from the same run.
 */
import { type SessionEnv as HonoSessionEnv, useSession } from "@hono/session";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { CookieOptions } from "hono/utils/cookie";
import { CookieStore, type Session as HonoSessionsSession, sessionMiddleware } from "hono-sessions";
import { getIronSession, type IronSession } from "iron-session";
import { type SessionEnv, sessions } from "../src/hono/index.ts";
import { envelopeOf, type FloorEnvelope, gcmFloor } from "./floor.ts";
import type { Case } from "./measure.ts";
import { LIFETIME_S, makePayload, type Payload, SECRET } from "./payload.ts";

interface Variant {
  readonly name: string;
  readonly cookieName: string;
  /** Routes /init (store the whole payload), /write, /read. */
  readonly app: Hono;
}

const COOKIE_ATTRIBUTES: CookieOptions = {
  httpOnly: true,
  secure: true,
  sameSite: "Lax",
  path: "/",
  maxAge: LIFETIME_S,
};

/** Ours: the `sealed-session/hono` middleware as its docs show it. */
function oursVariant(): Variant {
  const app = new Hono<SessionEnv<Payload>>()
    .use(sessions<Payload>({ secrets: SECRET }))
    .get("/init", (c) => {
      c.var.session.data = makePayload();
      return c.json({ ok: true });
    })
    .get("/write", (c) => {
      const counters = c.var.session.data.counters!;
      counters.views++;
      return c.json({ views: counters.views });
    })
    .get("/read", (c) => c.json({ views: c.var.session.data.counters?.views }));
  return { name: "ours", cookieName: "__Host-session", app: app as unknown as Hono };
}

/** The floor: raw AES-GCM unseal of the cookie, and a seal only on /write and /init. */
async function floorVariant(): Promise<Variant> {
  const floor = await gcmFloor();
  type Env = { Variables: { envelope: FloorEnvelope } };
  const middleware = createMiddleware<Env>(async (c, next) => {
    const cookie = getCookie(c, "floor");
    const envelope = cookie ? ((await floor.unseal(cookie)) as FloorEnvelope) : envelopeOf({});
    c.set("envelope", envelope);
    await next();
    if (c.req.path !== "/read") setCookie(c, "floor", await floor.seal(envelope), COOKIE_ATTRIBUTES);
  });
  const app = new Hono<Env>()
    .use(middleware)
    .get("/init", (c) => {
      c.var.envelope[7] = makePayload();
      return c.json({ ok: true });
    })
    .get("/write", (c) => {
      const counters = (c.var.envelope[7] as Payload).counters;
      counters.views++;
      return c.json({ views: counters.views });
    })
    .get("/read", (c) => c.json({ views: (c.var.envelope[7] as Payload).counters.views }));
  return { name: "floor", cookieName: "floor", app: app as unknown as Hono };
}

/** iron-session v9 through its cookie-store form, on Hono's cookie helpers. */
function ironSessionVariant(): Variant {
  type Env = { Variables: { iron: IronSession<Payload> } };
  const options = { cookieName: "iron", password: SECRET, ttl: LIFETIME_S };
  const store = (c: Context) => ({
    get: (name: string) => {
      const value = getCookie(c, name);
      return value === undefined ? undefined : { name, value };
    },
    set: (name: string, value: string, cookie: object) => setCookie(c, name, value, cookie as CookieOptions),
  });
  const middleware = createMiddleware<Env>(async (c, next) => {
    c.set("iron", await getIronSession<Payload>(store(c), options));
    await next();
  });
  const app = new Hono<Env>()
    .use(middleware)
    .get("/init", async (c) => {
      Object.assign(c.var.iron, makePayload());
      await c.var.iron.save();
      return c.json({ ok: true });
    })
    .get("/write", async (c) => {
      const counters = c.var.iron.counters!;
      counters.views++;
      await c.var.iron.save();
      return c.json({ views: counters.views });
    })
    .get("/read", (c) => c.json({ views: c.var.iron.counters?.views }));
  return { name: "ironsession", cookieName: "iron", app: app as unknown as Hono };
}

/** @hono/session: stateless JWE cookie through jose (key bytes, so jose imports a key per call). */
function honoSessionVariant(): Variant {
  const app = new Hono<HonoSessionEnv<Payload>>()
    // biome-ignore lint/correctness/useHookAtTopLevel: @hono/session's middleware factory, not a React hook
    .use(useSession<Payload>({ secret: SECRET, duration: { absolute: LIFETIME_S } }))
    .get("/init", async (c) => {
      await c.var.session.update(makePayload());
      return c.json({ ok: true });
    })
    .get("/write", async (c) => {
      let views = 0;
      await c.var.session.update((previous) => {
        const data = previous ?? makePayload();
        views = data.counters.views + 1;
        return { ...data, counters: { ...data.counters, views } };
      });
      return c.json({ views });
    })
    .get("/read", async (c) => c.json({ views: (await c.var.session.get())?.counters.views }));
  return { name: "honojwe", cookieName: "sid", app: app as unknown as Hono };
}

/** hono-sessions with its CookieStore (iron-webcrypto v1 inside), configured as its README shows. */
function honoSessionsVariant(): Variant {
  type Env = { Variables: { session: HonoSessionsSession<Payload> } };
  const middleware = sessionMiddleware({
    store: new CookieStore(),
    encryptionKey: SECRET,
    expireAfterSeconds: 900,
    cookieOptions: { sameSite: "Lax", path: "/", httpOnly: true },
  }) as unknown as MiddlewareHandler<Env>;
  const app = new Hono<Env>()
    .use(middleware)
    .get("/init", (c) => {
      const payload = makePayload();
      for (const key of Object.keys(payload) as (keyof Payload)[]) c.var.session.set(key, payload[key]);
      return c.json({ ok: true });
    })
    .get("/write", (c) => {
      const counters = c.var.session.get("counters")!;
      c.var.session.set("counters", { ...counters, views: counters.views + 1 });
      return c.json({ views: counters.views + 1 });
    })
    .get("/read", (c) => c.json({ views: c.var.session.get("counters")?.views }));
  return { name: "honosessions", cookieName: "session", app: app as unknown as Hono };
}

/**
 * Ours on writes without the token cache's help: two apps (two managers, same secret) take turns,
 * so each request carries a cookie its manager never saw — a user whose requests land on
 * different isolates or processes. Informational: the goals use the cached path above.
 */
async function oursColdWrite(): Promise<Case> {
  const apps = [oursVariant(), oursVariant()];
  const name = apps[0]!.cookieName;
  let cookie = setCookieValue(await call(apps[0]!.app, "/init", undefined), name);
  let turn = 1;
  const step = async () => {
    const app = apps[turn]!.app;
    turn ^= 1;
    const next = setCookieValue(await call(app, "/write", `${name}=${cookie}`), name);
    if (!next) throw new Error("cold /write set no cookie");
    cookie = next;
  };
  await step();
  return { name: "hono_ours_write_cold", run: step };
}

function bareApp(): Hono {
  return new Hono()
    .get("/write", (c) => c.json({ views: 43 }))
    .get("/read", (c) => c.json({ views: 42 })) as unknown as Hono;
}

async function call(app: Hono, path: string, cookie: string | undefined): Promise<Response> {
  const headers: Record<string, string> = cookie === undefined ? {} : { cookie };
  return app.fetch(new Request(`http://localhost${path}`, { headers }));
}

/** The value `name` got in the response's last Set-Cookie for it (hono-sessions sets some twice). */
function setCookieValue(response: Response, name: string): string | undefined {
  let value: string | undefined;
  for (const line of response.headers.getSetCookie()) {
    if (line.startsWith(`${name}=`)) value = line.slice(name.length + 1, line.indexOf(";"));
  }
  return value;
}

export interface HonoSetup {
  readonly cases: Case[];
  /** Cookie value length after /init, by variant. */
  readonly cookieBytes: Record<string, number>;
  /** What a /read answered with: whether it sent Set-Cookie (ours must not). */
  readonly readSetsCookie: Record<string, boolean>;
  readonly skipped: string[];
}

export async function setupHono(): Promise<HonoSetup> {
  const cases: Case[] = [];
  const cookieBytes: Record<string, number> = {};
  const readSetsCookie: Record<string, boolean> = {};
  const skipped: string[] = [];

  const bare = bareApp();
  let sampleCookie = "";
  cases.push({ name: "hono_bare", run: () => call(bare, "/write", sampleCookie) });

  const makers: [string, () => Variant | Promise<Variant>][] = [
    ["ours", oursVariant],
    ["floor", floorVariant],
    ["ironsession", ironSessionVariant],
    ["honojwe", honoSessionVariant],
    ["honosessions", honoSessionsVariant],
  ];
  for (const [name, make] of makers) {
    try {
      const { app, cookieName } = await make();
      const initValue = setCookieValue(await call(app, "/init", undefined), cookieName);
      if (!initValue) throw new Error("/init set no cookie");
      cookieBytes[name] = initValue.length;
      const readCookie = `${cookieName}=${initValue}`;
      if (name === "floor") sampleCookie = readCookie; // the bare app gets a cookie header of the same size

      // Check the wiring before timing: a write must persist, a read must see it.
      let writeCookie = readCookie;
      const first = await call(app, "/write", writeCookie);
      const next = setCookieValue(first, cookieName);
      if (!next) throw new Error("/write set no cookie");
      writeCookie = `${cookieName}=${next}`;
      const seen = (await (await call(app, "/read", writeCookie)).json()) as { views?: number };
      if (seen.views !== 43) throw new Error(`/read after /write saw views=${String(seen.views)}, not 43`);
      readSetsCookie[name] = setCookieValue(await call(app, "/read", readCookie), cookieName) !== undefined;

      cases.push(
        {
          name: `hono_${name}_write`,
          run: async () => {
            const value = setCookieValue(await call(app, "/write", writeCookie), cookieName);
            if (value) writeCookie = `${cookieName}=${value}`;
          },
        },
        { name: `hono_${name}_read`, run: () => call(app, "/read", readCookie) },
      );
    } catch (error) {
      skipped.push(`hono ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  try {
    cases.push(await oursColdWrite());
  } catch (error) {
    skipped.push(`hono ours cold write: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { cases, cookieBytes, readSetsCookie, skipped };
}
