// The Hono guards over app.request(): csrfProtection() (origin, then the session's token from a
// header or a form field) and requireFreshAuth(seconds) with an injected clock.
import { Hono } from "hono";
import { generateSecret } from "sealed-session";
import { csrfProtection, requireFreshAuth, type SessionEnv, sessions } from "sealed-session/hono";
import { describe, expect, it } from "vitest";
import { clock, Jar } from "../support/http.ts";

const secrets = generateSecret();
const ORIGIN = "https://example.com";

function app(now = Date.now) {
  return new Hono<SessionEnv>()
    .use(sessions({ secrets, now }))
    .get("/form", async (c) => c.json({ token: await c.var.sessions.csrfToken(c.var.session) }))
    .post("/login", (c) => {
      c.var.session.login("ada");
      return c.json({ ok: true });
    })
    .post("/note", csrfProtection(), async (c) => {
      // The middleware read the form through Hono's cached parser: the handler can read it again.
      const body = await c.req.parseBody();
      return c.json({ note: body.note ?? null });
    })
    .post(
      "/trusted",
      csrfProtection({ origin: (origin, c) => origin === `https://admin.${new URL(c.req.url).host}` }),
      (c) => c.json({ ok: true }),
    )
    .post("/custom", csrfProtection({ onFailure: (c, reason) => c.text(`refused: ${reason}`, 400) }), (c) =>
      c.json({ ok: true }),
    )
    .post("/sensitive", requireFreshAuth(300), (c) => c.json({ ok: true }));
}

async function call(
  target: ReturnType<typeof app>,
  jar: Jar,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: BodyInit } = {},
) {
  const headers = new Headers(init.headers);
  if (jar.header) headers.set("cookie", jar.header);
  const response = await target.request(`${ORIGIN}${path}`, { method, headers, body: init.body });
  jar.apply(response.headers);
  return response;
}

describe("csrfProtection()", () => {
  it("accepts the token from the _csrf form field or the x-csrf-token header; the body stays readable", async () => {
    const target = app();
    const jar = new Jar();
    const { token } = (await (await call(target, jar, "GET", "/form")).json()) as { token: string };
    const form = await call(target, jar, "POST", "/note", {
      headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ note: "hello", _csrf: token }).toString(),
    });
    expect(form.status).toBe(200);
    expect(await form.json()).toEqual({ note: "hello" });
    const header = await call(target, jar, "POST", "/note", {
      headers: { origin: ORIGIN, "x-csrf-token": token },
    });
    expect(header.status).toBe(200);
  });

  it("answers 403 with the reason: a foreign origin, a missing or a wrong token, the old id's after login", async () => {
    const target = app();
    const jar = new Jar();
    const { token } = (await (await call(target, jar, "GET", "/form")).json()) as { token: string };
    const refused = async (headers: Record<string, string>) => {
      const response = await call(target, jar, "POST", "/note", { headers });
      expect(response.status).toBe(403);
      return ((await response.json()) as { error: string; reason: string }).reason;
    };
    expect(await refused({ origin: "https://evil.example", "x-csrf-token": token })).toBe("cross_origin");
    expect(await refused({ "sec-fetch-site": "same-site", "x-csrf-token": token })).toBe("cross_origin");
    expect(await refused({ origin: ORIGIN })).toBe("missing_token");
    expect(
      await refused({
        origin: ORIGIN,
        "x-csrf-token": `${token.slice(0, -1)}A` === token ? "x" : `${token.slice(0, -1)}A`,
      }),
    ).toBe("bad_token");
    await call(target, jar, "POST", "/login", { headers: { origin: ORIGIN } });
    const flipped = (token[0] === "A" ? "B" : "A") + token.slice(1);
    expect(await refused({ origin: ORIGIN, "x-csrf-token": flipped })).toBe("bad_token");
    const { token: fresh } = (await (await call(target, jar, "GET", "/form")).json()) as { token: string };
    expect(fresh).not.toBe(token);
    expect(
      (await call(target, jar, "POST", "/note", { headers: { origin: ORIGIN, "x-csrf-token": fresh } }))
        .status,
    ).toBe(200);
  });

  it("takes hono/csrf-shaped options: an origin function of (origin, c), and onFailure", async () => {
    const target = app();
    const jar = new Jar();
    const { token } = (await (await call(target, jar, "GET", "/form")).json()) as { token: string };
    const trusted = await call(target, jar, "POST", "/trusted", {
      headers: { origin: "https://admin.example.com", "x-csrf-token": token },
    });
    expect(trusted.status).toBe(200);
    const custom = await call(target, jar, "POST", "/custom", {
      headers: { origin: "https://evil.example" },
    });
    expect(custom.status).toBe(400);
    expect(await custom.text()).toBe("refused: cross_origin");
  });
});

describe("requireFreshAuth(seconds)", () => {
  it("401 when anonymous; 200 up to `seconds` after login, then 403 reauth_required until a new login", async () => {
    const time = clock();
    const target = app(time.now);
    const jar = new Jar();
    const anonymous = await call(target, jar, "POST", "/sensitive");
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: "login_required" });
    await call(target, jar, "POST", "/login");
    time.advance(300);
    expect((await call(target, jar, "POST", "/sensitive")).status).toBe(200);
    time.advance(1);
    const stale = await call(target, jar, "POST", "/sensitive");
    expect(stale.status).toBe(403);
    expect(await stale.json()).toEqual({ error: "reauth_required" });
    await call(target, jar, "POST", "/login");
    expect((await call(target, jar, "POST", "/sensitive")).status).toBe(200);
  });

  it("needs sessions() mounted first", async () => {
    const bare = new Hono().post("/x", requireFreshAuth(60) as never, (c) => c.text("no"));
    const response = await bare.request(`${ORIGIN}/x`, { method: "POST" });
    expect(response.status).toBe(500);
  });
});
