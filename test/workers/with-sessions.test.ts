import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { ConfigError, CookieTooLargeError, generateSecret } from "sealed-session";
import { memoryRegistry } from "sealed-session/registry";
import { sessionsFor, withSessions } from "sealed-session/workers";
import { describe, expect, expectTypeOf, it } from "vitest";
import workerFetch from "../../examples/worker-fetch.ts";
import workerHelper from "../../examples/worker-helper.ts";
import { ManagerCache } from "../../src/workers/manager-cache.ts";
import { CookieJar } from "../demo/cookie-jar.ts";

const COOKIE = "__Host-session";
const URL_ = "https://worker.example/";

async function call(
  worker: {
    fetch(request: Request, env: { SESSION_SECRETS: string }, ctx: ExecutionContext): Promise<Response>;
  },
  env: { SESSION_SECRETS: string },
  jar: CookieJar,
  path = "",
) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(URL_ + path, { headers: jar.headers() }), env, ctx);
  await waitOnExecutionContext(ctx);
  return jar.store(response);
}

describe("the plain Workers examples", () => {
  it("withSessions (examples/worker-helper.ts): counts views, logs out", async () => {
    const env = { SESSION_SECRETS: generateSecret() };
    const jar = new CookieJar();
    expect(await (await call(workerHelper, env, jar)).text()).toBe("views: 1");
    expect(await (await call(workerHelper, env, jar)).text()).toBe("views: 2");
    const out = await call(workerHelper, env, jar, "logout");
    expect(await out.text()).toBe("Logged out");
    expect(jar.names()).toEqual([]);
    expect(await (await call(workerHelper, env, jar)).text()).toBe("views: 1");
  });

  it("createSessions by hand (examples/worker-fetch.ts)", async () => {
    const env = { SESSION_SECRETS: generateSecret() };
    const jar = new CookieJar();
    expect(await (await call(workerFetch, env, jar)).json()).toEqual({ views: 1 });
    const second = await call(workerFetch, env, jar);
    expect(await second.json()).toEqual({ views: 2 });
    expect(second.headers.get("cache-control")).toBe("private, no-store");
  });
});

describe("withSessions", () => {
  const secret = generateSecret();

  it("a login the registry cannot record answers 503 login_unavailable, with no session cookie", async () => {
    const failing = { ...memoryRegistry(), register: () => Promise.reject(new Error("registry down")) };
    const worker = withSessions<object, unknown>(
      { secrets: secret, registry: failing },
      async (_r, _e, _c, session) => {
        session.login("ada");
        return new Response("welcome", { headers: { "x-handler": "yes" } });
      },
    );
    const response = await call(worker as never, { SESSION_SECRETS: secret }, new CookieJar());
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: "login_unavailable" });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get("x-handler")).toBeNull();
  });

  it("makes a response that sets the cookie private and drops CDN cache headers", async () => {
    const worker = withSessions<{ n?: number }, unknown>(
      { secrets: secret },
      async (_request, _env, _ctx, session) => {
        session.data.n = 1;
        const upstream = new Response("cached elsewhere", {
          headers: { "cache-control": "public, s-maxage=600", "cdn-cache-control": "max-age=600" },
        });
        // A fetch() result has immutable headers; build one the same way.
        return new Response(upstream.body, upstream).clone();
      },
    );
    const response = await call(worker as never, { SESSION_SECRETS: secret }, new CookieJar());
    expect(response.headers.getSetCookie()).toHaveLength(1);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("cdn-cache-control")).toBeNull();
  });

  it("commits onto immutable responses (Response.redirect) and keeps the handler's own cookies", async () => {
    const worker = withSessions<{ at?: string }, unknown>(
      { secrets: secret },
      async (request, _env, _ctx, session) => {
        session.data.at = new URL(request.url).pathname;
        if (request.url.endsWith("/go")) return Response.redirect("https://worker.example/there", 302);
        const response = new Response("ok");
        response.headers.append("set-cookie", "mine=1; Path=/");
        return response;
      },
    );
    const redirect = await worker.fetch(
      new Request("https://worker.example/go"),
      {},
      createExecutionContext(),
    );
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("https://worker.example/there");
    expect(redirect.headers.getSetCookie().filter((line) => line.startsWith(COOKIE))).toHaveLength(1);

    const plain = await worker.fetch(new Request("https://worker.example/"), {}, createExecutionContext());
    const names = plain.headers.getSetCookie().map((line) => line.slice(0, line.indexOf("=")));
    expect(names.sort()).toEqual([COOKIE, "mine"]);
  });

  it("types env as Cloudflare.Env by default (what `wrangler types` generates)", async () => {
    const worker = withSessions<{ n: number }>(
      (env) => {
        expectTypeOf(env).toEqualTypeOf<Cloudflare.Env>();
        return { secrets: env.SESSION_SECRETS ?? "" };
      },
      async (_request, env, _ctx, session) => {
        expectTypeOf(env.SESSIONS).toEqualTypeOf<KVNamespace>();
        session.data.n = 1;
        return new Response("ok");
      },
    );
    const response = await worker.fetch(
      new Request(URL_),
      { ...env, SESSION_SECRETS: secret },
      createExecutionContext(),
    );
    expect(response.headers.getSetCookie()).toHaveLength(1);
  });

  it("builds one manager per configuration from env, even when env is a new object per request", () => {
    type Env = { SESSION_SECRETS: string };
    const managers = sessionsFor<{ n: number }, Env>((env) => ({
      secrets: env.SESSION_SECRETS,
      maxAge: 600,
    }));
    const first = managers({ SESSION_SECRETS: secret });
    expect(managers({ SESSION_SECRETS: secret })).toBe(first);
    expect(managers({ SESSION_SECRETS: generateSecret() })).not.toBe(first);
  });

  it("fails loudly on a misconfiguration: at creation for fixed options, per request for a function", async () => {
    const handler = async () => new Response("unreachable");
    expect(() => withSessions({ secrets: "short" }, handler)).toThrow(ConfigError);
    const worker = withSessions<object, { SESSION_SECRETS?: string }>(
      (env) => ({ secrets: env.SESSION_SECRETS ?? "" }),
      handler,
    );
    await expect(worker.fetch(new Request(URL_), {}, createExecutionContext())).rejects.toThrow(ConfigError);
    await expect(
      worker.fetch(new Request(URL_), { SESSION_SECRETS: "x".repeat(8) }, createExecutionContext()),
    ).rejects.toThrow(/at least 32/);
  });

  it("lets a CookieTooLargeError through instead of sending a response without the session", async () => {
    const worker = withSessions<{ blob: string }, unknown>(
      { secrets: secret },
      async (_r, _e, _c, session) => {
        const raw = crypto.getRandomValues(new Uint8Array(20_000));
        session.data.blob = btoa(String.fromCharCode(...raw));
        return new Response("never sent");
      },
    );
    await expect(worker.fetch(new Request(URL_), {}, createExecutionContext())).rejects.toBeInstanceOf(
      CookieTooLargeError,
    );
  });
});

describe("the manager cache behind both helpers", () => {
  const secret = generateSecret();

  it("compares data by value (key order and undefined fields aside) and functions by identity", () => {
    const cache = new ManagerCache<object, object>();
    const onInvalid = () => {};
    const first = cache.get({
      secrets: [secret],
      maxAge: 60,
      cookie: { name: "a", sameSite: "strict" },
      onInvalid,
    });
    expect(
      cache.get({
        onInvalid,
        cookie: { sameSite: "strict", name: "a" },
        maxAge: 60,
        secrets: [secret],
        now: undefined,
      }),
    ).toBe(first);
    expect(
      cache.get({ secrets: [secret], maxAge: 60, cookie: { name: "a", sameSite: "strict" }, onInvalid() {} }),
    ).not.toBe(first);
    expect(
      cache.get({ secrets: [secret], maxAge: 61, cookie: { name: "a", sameSite: "strict" }, onInvalid }),
    ).not.toBe(first);
    expect(cache.builds).toBe(3);
  });

  it("warns once when an options function keeps producing new configurations", () => {
    const cache = new ManagerCache<object, object>();
    const warnings: unknown[] = [];
    const original = console.warn;
    console.warn = (message: unknown) => warnings.push(message);
    try {
      for (let i = 0; i < 70; i++) cache.get({ secrets: secret, onInvalid: () => {} });
    } finally {
      console.warn = original;
    }
    expect(cache.builds).toBe(70);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0])).toMatch(/once per env/);
    expect(String(warnings[0])).not.toContain(secret);
  });

  it("caches nothing for a configuration that fails, so a fix takes effect", () => {
    const cache = new ManagerCache<object, object>();
    expect(() => cache.get({ secrets: "short" })).toThrow(ConfigError);
    expect(cache.builds).toBe(0);
  });
});
