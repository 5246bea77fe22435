import { env, exports } from "cloudflare:workers";
import { Hono } from "hono";
import { setCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import { stream, streamText } from "hono/streaming";
import { ConfigError, CookieTooLargeError, generateSecret, type ReasonCode } from "sealed-session";
import { sessions } from "sealed-session/hono";
import { memoryRegistry } from "sealed-session/registry";
import { describe, expect, it } from "vitest";
import optionsExample from "../../examples/hono-options.ts";
import quickstart from "../../examples/hono-quickstart.ts";
import secureExample from "../../examples/hono-secure.ts";
import { CookieJar } from "../demo/cookie-jar.ts";

type Data = { n?: number; blob?: string; user?: string };
const SECRET = generateSecret();
const COOKIE = "__Host-session";
const BASE = "https://app.example";

/** Random base64url text: incompressible, so it grows the cookie byte for byte. */
function randomText(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/[+/=]/g, "x");
}

/** An app whose routes each produce a different kind of response, all after touching the session. */
function responseKinds(secrets: string | string[] = SECRET) {
  const app = new Hono()
    // As large as the reader accepts (4 cookies), so the chunking tests can span several.
    .use(sessions<Data>({ secrets, cookie: { maxBytes: 4 * 4096 } }))
    .get("/json", (c) => {
      c.var.session.data.n = (c.var.session.data.n ?? 0) + 1;
      return c.json({ n: c.var.session.data.n });
    })
    .get("/read", (c) =>
      c.json({ n: c.var.session.data.n ?? null, reason: c.var.session.invalidReason ?? null }),
    )
    .get("/html", (c) => {
      c.var.session.data.n = 1;
      return c.html("<p>hi</p>");
    })
    .get("/redirect", (c) => {
      c.var.session.data.n = 2;
      return c.redirect("/read", 303);
    })
    .get("/response-redirect", (c) => {
      c.var.session.data.n = 3;
      return Response.redirect(`${BASE}/read`, 302); // immutable headers
    })
    .get("/hand-built", (c) => {
      c.var.session.data.n = 4;
      return new Response("plain", { status: 201, headers: { "x-kept": "yes" } });
    })
    .get("/stream", (c) => {
      c.var.session.data.n = 5;
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("chunk-1,"));
          controller.enqueue(new TextEncoder().encode("chunk-2"));
          controller.close();
        },
      });
      return c.body(body, 200, { "content-type": "text/plain" });
    })
    .get("/stream-text", (c) => {
      c.var.session.data.n = 6;
      return streamText(c, async (s) => {
        await s.write("a");
        await s.sleep(1);
        await s.write("b");
      });
    })
    .get("/stream-helper", (c) => {
      c.var.session.data.n = 7;
      return stream(c, async (s) => {
        await s.write(new TextEncoder().encode("bytes"));
      });
    })
    .get("/http-exception", (c) => {
      c.var.session.data.n = 8;
      throw new HTTPException(401, { message: "nope" });
    })
    .get("/thrown", (c) => {
      c.var.session.data.n = 9;
      throw new Error("boom");
    })
    .get("/app-cookie", (c) => {
      c.var.session.data.n = 10;
      setCookie(c, "a", "1", { path: "/" });
      setCookie(c, "b", "2", { path: "/", expires: new Date(Date.now() + 86_400_000) });
      return c.text("ok");
    })
    .get("/big", (c) => {
      c.var.session.data.blob = randomText(Number(c.req.query("bytes") ?? 6000));
      return c.text("big");
    })
    .get("/untouched", (c) => c.text("nothing"))
    .get("/cacheable-login", (c) => {
      c.var.session.login("ada");
      // An app that marks a page cacheable and logs in on it must not have a CDN store the cookie.
      c.header("cache-control", "public, max-age=3600");
      c.header("cdn-cache-control", "max-age=3600");
      c.header("cloudflare-cdn-cache-control", "max-age=3600");
      return c.text("welcome");
    })
    .get("/cacheable-read", (c) => {
      c.header("cache-control", "public, max-age=60");
      return c.text(String(c.var.session.data.n ?? 0));
    });
  return app;
}

/** Anything with Hono's `request()`: the typed apps of these tests differ in their schemas. */
type App = { request(input: string, init?: RequestInit): Response | Promise<Response> };

async function roundTrip(app: App, path: string, jar = new CookieJar()) {
  const response = jar.store(await app.request(`${BASE}${path}`, { headers: jar.headers() }));
  const next = await app.request(`${BASE}/read`, { headers: jar.headers() });
  return { response, jar, read: (await next.json()) as { n: number | null; reason: ReasonCode | null } };
}

const sessionCookies = (response: Response) =>
  response.headers.getSetCookie().filter((line) => line.startsWith(COOKIE));

describe("sessions() on every kind of response", () => {
  const app = responseKinds();

  it("c.json: writes one cookie and Cache-Control, and the next request reads it", async () => {
    const { response, read } = await roundTrip(app, "/json");
    expect(await response.json()).toEqual({ n: 1 });
    expect(sessionCookies(response)).toHaveLength(1);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(read).toEqual({ n: 1, reason: null });
  });

  it("a response that sets the cookie is made private: Cache-Control replaced, CDN headers removed", async () => {
    const jar = new CookieJar();
    const response = jar.store(await app.request(`${BASE}/cacheable-login`, { headers: jar.headers() }));
    expect(sessionCookies(response)).toHaveLength(1);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("cdn-cache-control")).toBeNull();
    expect(response.headers.get("cloudflare-cdn-cache-control")).toBeNull();
    // A page that only reads the session keeps the app's own value.
    const read = await app.request(`${BASE}/cacheable-read`, { headers: jar.headers() });
    expect(read.headers.getSetCookie()).toEqual([]);
    expect(read.headers.get("cache-control")).toBe("public, max-age=60");
  });

  it("a new visitor whose session is untouched gets no cookie", async () => {
    const response = await app.request(`${BASE}/untouched`);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get("cache-control")).toBeNull();
  });

  it("an unchanged existing session is not re-sealed", async () => {
    const { jar } = await roundTrip(app, "/json");
    const response = await app.request(`${BASE}/read`, { headers: jar.headers() });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
  });

  it("c.html and c.redirect", async () => {
    const html = await roundTrip(app, "/html");
    expect(await html.response.text()).toBe("<p>hi</p>");
    expect(html.read.n).toBe(1);
    const redirect = await roundTrip(app, "/redirect");
    expect(redirect.response.status).toBe(303);
    expect(redirect.response.headers.get("location")).toBe("/read");
    expect(redirect.read.n).toBe(2);
  });

  it("Response.redirect(), whose headers are immutable, is rebuilt with the cookie", async () => {
    const { response, read } = await roundTrip(app, "/response-redirect");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`${BASE}/read`);
    expect(sessionCookies(response)).toHaveLength(1);
    expect(read.n).toBe(3);
  });

  it("a fetch() response (immutable headers) keeps its own Set-Cookie next to the session's", async () => {
    // Proxy a real Worker (the demo, through the runtime): its response headers are immutable and
    // carry the demo's own session cookie.
    const proxy = new Hono()
      .use(sessions<Data>({ secrets: SECRET, cookie: { name: "proxy" } }))
      .get("/", (c) => {
        c.var.session.data.n = 11;
        return exports.default.fetch(`${BASE}/api/me`);
      });
    const response = await proxy.request(`${BASE}/`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { views: number }).views).toBe(1);
    const names = response.headers.getSetCookie().map((line) => line.slice(0, line.indexOf("=")));
    expect(names.sort()).toEqual(["__Host-proxy", COOKIE]);
  });

  it("a hand-built Response keeps its status and headers", async () => {
    const { response, read } = await roundTrip(app, "/hand-built");
    expect(response.status).toBe(201);
    expect(response.headers.get("x-kept")).toBe("yes");
    expect(await response.text()).toBe("plain");
    expect(read.n).toBe(4);
  });

  it("streamed bodies: c.body(stream), streamText, stream", async () => {
    const raw = await roundTrip(app, "/stream");
    expect(await raw.response.text()).toBe("chunk-1,chunk-2");
    expect(raw.read.n).toBe(5);
    const text = await roundTrip(app, "/stream-text");
    expect(await text.response.text()).toBe("ab");
    expect(text.read.n).toBe(6);
    const bytes = await roundTrip(app, "/stream-helper");
    expect(await bytes.response.text()).toBe("bytes");
    expect(bytes.read.n).toBe(7);
  });

  it("a thrown HTTPException: its response, with the session committed", async () => {
    const { response, read } = await roundTrip(app, "/http-exception");
    expect(response.status).toBe(401);
    expect(await response.text()).toBe("nope");
    expect(read.n).toBe(8);
  });

  it("app.onError responses are committed too", async () => {
    const withHandler = responseKinds();
    withHandler.onError((error, c) => c.json({ error: error.message }, 500));
    const { response, read } = await roundTrip(withHandler, "/thrown");
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "boom" });
    expect(read.n).toBe(9);
  });

  it("cookies the app sets with hono/cookie survive next to the session's", async () => {
    const { response, jar } = await roundTrip(app, "/app-cookie");
    const lines = response.headers.getSetCookie();
    expect(lines).toHaveLength(3);
    expect(lines.some((line) => line.startsWith("a=1;"))).toBe(true);
    // An Expires date holds a comma: headers.get() would have split it wrongly.
    expect(
      lines.some((line) => line.startsWith("b=2;") && /Expires=\w{3}, \d\d \w{3} \d{4}/.test(line)),
    ).toBe(true);
    expect(jar.names()).toEqual([COOKIE, "a", "b"].sort());
  });
});

describe("with a session registry", () => {
  it("a login the registry cannot record answers 503 login_unavailable, with no session cookie", async () => {
    const registry = memoryRegistry();
    let failing = false;
    const store = {
      ...registry,
      register: (...args: Parameters<typeof registry.register>) =>
        failing ? Promise.reject(new Error("registry down")) : registry.register(...args),
    };
    const app = new Hono()
      .use(sessions<Data>({ secrets: SECRET, registry: store }))
      .post("/login", (c) => {
        c.var.session.login("ada");
        return c.json({ user: "ada" });
      })
      .get("/me", (c) => c.json({ user: c.var.session.userId ?? null }));
    const jar = new CookieJar();
    failing = true;
    const refused = jar.store(await app.request(`${BASE}/login`, { method: "POST" }));
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: "login_unavailable" });
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect(refused.headers.get("cache-control")).toBe("private, no-store");
    failing = false;
    const ok = jar.store(await app.request(`${BASE}/login`, { method: "POST", headers: jar.headers() }));
    expect(ok.status).toBe(200);
    expect(await (await app.request(`${BASE}/me`, { headers: jar.headers() })).json()).toEqual({
      user: "ada",
    });
  });
});

describe("mounted twice", () => {
  it("on an app and on a sub-app: one session, one commit, the handler's changes kept", async () => {
    // refreshAfter 0: every request with a cookie re-seals, so two sessions would both be written.
    const options = { secrets: SECRET, idleTimeout: 600, refreshAfter: 0 };
    const inner = new Hono().use(sessions<Data>(options)).get("/", (c) => {
      c.var.session.data.n = (c.var.session.data.n ?? 0) + 1;
      return c.text(String(c.var.session.data.n));
    });
    const outer = new Hono().use(sessions<Data>(options)).route("/sub", inner);
    const jar = new CookieJar();
    for (const expected of ["1", "2", "3"]) {
      const response = jar.store(await outer.request(`${BASE}/sub`, { headers: jar.headers() }));
      expect(await response.text()).toBe(expected);
      expect(sessionCookies(response)).toHaveLength(1);
    }
  });
});

describe("chunked cookies", () => {
  const app = responseKinds();

  it("a large session spans several cookies, reads back, and stale chunks are cleared when it shrinks", async () => {
    const jar = new CookieJar();
    const big = jar.store(await app.request(`${BASE}/big?bytes=6000`, { headers: jar.headers() }));
    const chunks = sessionCookies(big);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    // The 4096-byte limit counts name + value (the "=" is not counted).
    for (const line of chunks) expect(line.split(";")[0]!.length - 1).toBeLessThanOrEqual(4096);
    expect(jar.names()).toEqual([`${COOKIE}.0`, `${COOKIE}.1`, `${COOKIE}.2`].slice(0, chunks.length));

    const again = await app.request(`${BASE}/json`, { headers: jar.headers() });
    jar.store(again);
    expect(await again.json()).toEqual({ n: 1 });

    const small = jar.store(await app.request(`${BASE}/big?bytes=10`, { headers: jar.headers() }));
    const cleared = small.headers.getSetCookie().filter((line) => /Max-Age=0/i.test(line));
    expect(cleared.length).toBeGreaterThanOrEqual(1);
    expect(jar.names()).toEqual([COOKIE]);
    const read = await app.request(`${BASE}/read`, { headers: jar.headers() });
    expect(await read.json()).toEqual({ n: 1, reason: null });
  });

  it("a session too large for its cookies reaches app.onError as CookieTooLargeError", async () => {
    const seen: unknown[] = [];
    const app = responseKinds();
    app.onError((error, c) => {
      seen.push(error);
      return c.text("too large", 500);
    });
    const response = await app.request(`${BASE}/big?bytes=20000`);
    expect(response.status).toBe(500);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(CookieTooLargeError);
  });

  it("without app.onError, Hono's default turns it into a 500", async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args[0]);
    try {
      const response = await responseKinds().request(`${BASE}/big?bytes=20000`);
      expect(response.status).toBe(500);
    } finally {
      console.error = original;
    }
    expect(errors[0]).toBeInstanceOf(CookieTooLargeError);
  });
});

describe("secret rotation and bad cookies", () => {
  it("a cookie sealed with the old secret is read after rotation and re-sealed with the new one", async () => {
    const oldSecret = generateSecret();
    const newSecret = generateSecret();
    const jar = new CookieJar();
    await roundTrip(responseKinds(oldSecret), "/json", jar);
    const sealedWithOld = jar.get(COOKIE);

    const rotated = responseKinds([newSecret, oldSecret]);
    const response = jar.store(await rotated.request(`${BASE}/read`, { headers: jar.headers() }));
    expect(await response.json()).toEqual({ n: 1, reason: null });
    expect(sessionCookies(response)).toHaveLength(1); // re-sealed although nothing changed
    expect(jar.get(COOKIE)).not.toBe(sealedWithOld);

    // Once the old secret is dropped, the re-sealed cookie still works; the old one does not.
    const newOnly = responseKinds(newSecret);
    const fresh = await newOnly.request(`${BASE}/read`, { headers: jar.headers() });
    expect(await fresh.json()).toEqual({ n: 1, reason: null });
    const stale = await newOnly.request(`${BASE}/read`, {
      headers: { cookie: `${COOKIE}=${sealedWithOld}` },
    });
    const body = (await stale.json()) as { reason: string };
    expect(["unknown_key", "bad_seal"]).toContain(body.reason);
  });

  it("garbage and tampered cookies give a new session with a reason, and the bad cookie is cleared", async () => {
    const app = responseKinds();
    const garbage = await app.request(`${BASE}/read`, { headers: { cookie: `${COOKIE}=not-a-token` } });
    expect(await garbage.json()).toEqual({ n: null, reason: "malformed" });
    const clears = sessionCookies(garbage);
    expect(clears).toHaveLength(1);
    expect(clears[0]).toMatch(/Max-Age=0/i);

    const { jar } = await roundTrip(app, "/json");
    const token = jar.get(COOKIE)!;
    const flipped = token.slice(0, -6) + (token.at(-6) === "A" ? "B" : "A") + token.slice(-5);
    const tampered = await app.request(`${BASE}/read`, { headers: { cookie: `${COOKIE}=${flipped}` } });
    expect(await tampered.json()).toEqual({ n: null, reason: "bad_seal" });
  });
});

describe("options as a function of the context", () => {
  type Bindings = { SESSION_SECRETS?: string; OTHER?: string };

  function envApp(seen: object[]) {
    return new Hono<{ Bindings: Bindings }>()
      .use(sessions<Data>((c) => ({ secrets: c.env.SESSION_SECRETS ?? "", maxAge: 3600 })))
      .get("/", (c) => {
        seen.push(c.var.sessions);
        c.var.session.data.n = (c.var.session.data.n ?? 0) + 1;
        return c.json({ n: c.var.session.data.n });
      });
  }

  it("reads secrets from c.env and builds one manager for equal configurations, even with a new env per request", async () => {
    const seen: object[] = [];
    const app = envApp(seen);
    const jar = new CookieJar();
    for (let i = 1; i <= 3; i++) {
      // A new env object each time, as Node and Deno adapters pass them.
      const response = jar.store(
        await app.request("/", { headers: jar.headers() }, { ...env, SESSION_SECRETS: SECRET }),
      );
      expect(await response.json()).toEqual({ n: i });
    }
    expect(new Set(seen).size).toBe(1);
    await app.request("/", {}, { ...env, SESSION_SECRETS: generateSecret() });
    expect(new Set(seen).size).toBe(2);
  });

  it("a missing or short secret fails loudly with ConfigError, not an anonymous session", async () => {
    const errors: unknown[] = [];
    const app = envApp([]);
    app.onError((error, c) => {
      errors.push(error);
      return c.text("misconfigured", 500);
    });
    expect((await app.request("/", {}, { SESSION_SECRETS: "short" })).status).toBe(500);
    expect((await app.request("/", {}, {})).status).toBe(500);
    expect(errors).toHaveLength(2);
    for (const error of errors) expect(error).toBeInstanceOf(ConfigError);
    expect(String((errors[0] as Error).message)).toMatch(/at least 32/);
    expect(String((errors[0] as Error).message)).not.toContain("short");
  });

  it("an options function that crashes (c.env undefined under app.request) becomes a ConfigError", async () => {
    const errors: unknown[] = [];
    const app = new Hono()
      .use(sessions((c) => ({ secrets: c.env.SESSION_SECRETS })))
      .get("/", (c) => c.text("unreachable"));
    app.onError((error, c) => {
      errors.push(error);
      return c.text("misconfigured", 500);
    });
    expect((await app.request("/")).status).toBe(500);
    expect(errors[0]).toBeInstanceOf(ConfigError);
    expect((errors[0] as Error).message).toMatch(/options function threw/);
  });

  it("fixed options are validated when the middleware is created", () => {
    expect(() => sessions({ secrets: "too short" })).toThrow(ConfigError);
    expect(() => sessions({ secrets: SECRET, maxAge: -1 })).toThrow(ConfigError);
  });
});

describe("with csrf, secureHeaders and cookie (examples/hono-secure.ts)", () => {
  const bindings = { SESSION_SECRETS: SECRET };
  const form = (origin: string, jar = new CookieJar()) =>
    secureExample.request(
      `${BASE}/theme`,
      {
        method: "POST",
        headers: jar.headers({ origin, "content-type": "application/x-www-form-urlencoded" }),
        body: "theme=dark",
      },
      bindings,
    );

  it("a same-origin form post: session cookie, the app's cookie and the secure headers, together", async () => {
    const jar = new CookieJar();
    const response = jar.store(await form(BASE, jar));
    expect(response.status).toBe(303);
    expect(jar.names()).toEqual([COOKIE, "theme-hint"]);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("cache-control")).toBe("private, no-store");

    const reset = jar.store(
      await secureExample.request(
        `${BASE}/reset`,
        { method: "POST", headers: jar.headers({ origin: BASE }) },
        bindings,
      ),
    );
    expect(reset.status).toBe(303);
    expect(jar.names()).toEqual([]);
  });

  it("a cross-site form post is refused by csrf before the session is touched", async () => {
    const response = await form("https://evil.example");
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });
});

describe("the quick start (examples/hono-quickstart.ts)", () => {
  it("counts views, logs in with a new session id, logs out", async () => {
    const bindings = { SESSION_SECRETS: SECRET };
    const jar = new CookieJar();
    const get = async () =>
      (await jar.store(await quickstart.request("/", { headers: jar.headers() }, bindings)).json()) as {
        views: number;
        user: string | null;
      };
    expect(await get()).toEqual({ views: 1, user: null });
    const before = jar.get(COOKIE);
    const login = jar.store(
      await quickstart.request(
        "/login",
        {
          method: "POST",
          headers: jar.headers({ "content-type": "application/json" }),
          body: '{"user":"ada"}',
        },
        bindings,
      ),
    );
    expect(await login.json()).toEqual({ user: "ada" });
    expect(jar.get(COOKIE)).not.toBe(before);
    expect(await get()).toEqual({ views: 2, user: "ada" });
    const logout = jar.store(
      await quickstart.request("/logout", { method: "POST", headers: jar.headers() }, bindings),
    );
    expect(logout.status).toBe(204);
    expect(jar.names()).toEqual([]);
  });
});

describe("options per env with a KV revocation store (examples/hono-options.ts)", () => {
  it("stores notes, and turns a session too large for its cookies into a 413", async () => {
    const bindings = { ...env, SESSION_SECRETS: SECRET };
    const jar = new CookieJar();
    const post = async (note: string) =>
      jar.store(
        await optionsExample.request(
          "/notes",
          {
            method: "POST",
            headers: jar.headers({ "content-type": "application/json" }),
            body: JSON.stringify({ note }),
          },
          bindings,
        ),
      );
    expect(await (await post("one")).json()).toEqual({ notes: 1 });
    expect(await (await post("two")).json()).toEqual({ notes: 2 });
    const huge = await post(randomText(20_000));
    expect(huge.status).toBe(413);
    expect(await huge.json()).toEqual({ error: "too many notes" });
    expect(await (await post("three")).json()).toEqual({ notes: 3 });
  });
});
