// CSRF for HTML forms: the origin check (Origin, then Sec-Fetch-Site, an allow-list) and the
// per-session token (no storage; from a header or a form field; changes with the id on login).
import assert from "node:assert/strict";
import { type CsrfOptions, checkCsrf, createSessions, generateSecret, originAllowed } from "sealed-session";
import type { Suite } from "../harness.ts";
import { Jar, visit } from "../support/http.ts";

const secrets = generateSecret();
const SITE = "https://shop.example";

function post(jar: Jar, init: { headers?: Record<string, string>; body?: BodyInit; method?: string } = {}) {
  const headers = new Headers(init.headers);
  if (jar.header) headers.set("cookie", jar.header);
  return new Request(`${SITE}/account/email`, { method: init.method ?? "POST", headers, body: init.body });
}

/** A browser with a session and the token its page was given. */
async function withToken(options: { secrets?: string | string[] } = {}) {
  const sessions = createSessions({ secrets: options.secrets ?? secrets });
  const jar = new Jar();
  let token = "";
  await visit(sessions, jar, async (session) => {
    token = await sessions.csrfToken(session);
  });
  return { sessions, jar, token };
}

async function check(sessions: ReturnType<typeof createSessions>, request: Request, options?: CsrfOptions) {
  const session = await sessions.load(request);
  return checkCsrf(sessions, session, request, options);
}

export default (t: Suite) => {
  t.test("asking for a token persists an anonymous session, so the token stays the same", async () => {
    const sessions = createSessions({ secrets });
    const jar = new Jar();
    let token = "";
    const { written } = await visit(sessions, jar, async (session) => {
      token = await sessions.csrfToken(session);
    });
    assert.equal(written.length, 1, "the new session is written");
    assert.match(token, /^[\w-]{43}$/);
    let again = "";
    const { written: none } = await visit(sessions, jar, async (session) => {
      again = await sessions.csrfToken(session);
    });
    assert.equal(again, token);
    assert.equal(none.length, 0, "an existing session needs no write for its token");
  });

  t.test("the token from a header or a form field (urlencoded and multipart) passes", async () => {
    const { sessions, jar, token } = await withToken();
    const header = post(jar, { headers: { origin: SITE, "x-csrf-token": token } });
    assert.deepEqual(await check(sessions, header), { ok: true });
    const form = post(jar, {
      headers: { origin: SITE, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: "ada@example.com", _csrf: token }).toString(),
    });
    assert.deepEqual(await check(sessions, form), { ok: true });
    // The body is still there for the handler.
    assert.equal((await form.formData()).get("email"), "ada@example.com");
    const multipart = new FormData();
    multipart.set("_csrf", token);
    assert.deepEqual(await check(sessions, post(jar, { headers: { origin: SITE }, body: multipart })), {
      ok: true,
    });
    const custom = post(jar, { headers: { origin: SITE, "x-token": token } });
    assert.deepEqual(await check(sessions, custom, { header: "x-token" }), { ok: true });
  });

  t.test("a missing token, a wrong one and another session's are refused", async () => {
    const { sessions, jar, token } = await withToken();
    const other = await withToken();
    const reasonOf = async (request: Request) => {
      const result = await check(sessions, request);
      return result.ok ? "ok" : result.reason;
    };
    assert.equal(await reasonOf(post(jar, { headers: { origin: SITE } })), "missing_token");
    assert.equal(
      await reasonOf(
        post(jar, { headers: { origin: SITE, "content-type": "text/plain" }, body: `_csrf=${token}` }),
      ),
      "missing_token",
    );
    const flipped = (token[0] === "A" ? "B" : "A") + token.slice(1);
    assert.equal(
      await reasonOf(post(jar, { headers: { origin: SITE, "x-csrf-token": flipped } })),
      "bad_token",
    );
    assert.equal(
      await reasonOf(post(jar, { headers: { origin: SITE, "x-csrf-token": "short" } })),
      "bad_token",
    );
    assert.equal(
      await reasonOf(post(jar, { headers: { origin: SITE, "x-csrf-token": other.token } })),
      "bad_token",
    );
    // Without the cookie there is no session to match.
    assert.equal(
      await reasonOf(post(new Jar(), { headers: { origin: SITE, "x-csrf-token": token } })),
      "bad_token",
    );
  });

  t.test("the token changes on login; the old id's token is refused", async () => {
    const { sessions, jar, token } = await withToken();
    let after = "";
    await visit(sessions, jar, async (session) => {
      session.login("ada");
      after = await sessions.csrfToken(session);
    });
    assert.notEqual(after, token);
    const old = await check(sessions, post(jar, { headers: { origin: SITE, "x-csrf-token": token } }));
    assert.deepEqual(old, { ok: false, reason: "bad_token" });
    const fresh = await check(sessions, post(jar, { headers: { origin: SITE, "x-csrf-token": after } }));
    assert.deepEqual(fresh, { ok: true });
  });

  t.test("a token made with an older listed secret still verifies after rotation", async () => {
    const older = generateSecret();
    const { jar, token } = await withToken({ secrets: older });
    const rotated = createSessions({ secrets: [generateSecret(), older] });
    const result = await check(rotated, post(jar, { headers: { origin: SITE, "x-csrf-token": token } }));
    assert.deepEqual(result, { ok: true });
  });

  t.test("a foreign Origin is refused even with the right token; an allow-listed one passes", async () => {
    const { sessions, jar, token } = await withToken();
    const from = (origin: string) => post(jar, { headers: { origin, "x-csrf-token": token } });
    assert.deepEqual(await check(sessions, from("https://evil.example")), {
      ok: false,
      reason: "cross_origin",
    });
    assert.deepEqual(await check(sessions, from("null")), { ok: false, reason: "cross_origin" });
    // A sibling subdomain is another origin.
    assert.deepEqual(await check(sessions, from("https://blog.shop.example")), {
      ok: false,
      reason: "cross_origin",
    });
    assert.deepEqual(
      await check(sessions, from("https://admin.example"), { origin: "https://admin.example" }),
      {
        ok: true,
      },
    );
    assert.deepEqual(
      await check(sessions, from("https://b.example"), {
        origin: ["https://a.example", "https://b.example"],
      }),
      { ok: true },
    );
    assert.deepEqual(
      await check(sessions, from("https://evil.example"), {
        origin: (origin) => origin.endsWith(".shop.example"),
      }),
      { ok: false, reason: "cross_origin" },
    );
    assert.equal(originAllowed(from("null"), { origin: () => true }), false);
    // Origin: null (a form post under Referrer-Policy: no-referrer, or a sandboxed frame) defers to
    // Sec-Fetch-Site: same-origin passes, anything else or nothing is refused.
    const nullFrom = (site?: string) =>
      post(jar, {
        headers: { origin: "null", "x-csrf-token": token, ...(site ? { "sec-fetch-site": site } : {}) },
      });
    assert.deepEqual(await check(sessions, nullFrom("same-origin")), { ok: true });
    assert.deepEqual(await check(sessions, nullFrom("cross-site")), { ok: false, reason: "cross_origin" });
    assert.deepEqual(await check(sessions, nullFrom()), { ok: false, reason: "cross_origin" });
  });

  t.test("Sec-Fetch-Site decides without Origin: same-origin by default, others when listed", async () => {
    const { sessions, jar, token } = await withToken();
    const site = (value: string) =>
      post(jar, { headers: { "sec-fetch-site": value, "x-csrf-token": token } });
    const outcome = async (value: string, options?: CsrfOptions) => {
      const result = await check(sessions, site(value), options);
      return result.ok ? "ok" : result.reason;
    };
    assert.equal(await outcome("same-origin"), "ok");
    assert.equal(await outcome("same-site"), "cross_origin");
    assert.equal(await outcome("cross-site"), "cross_origin");
    assert.equal(await outcome("none"), "cross_origin");
    assert.equal(await outcome("same-site", { secFetchSite: ["same-origin", "same-site"] }), "ok");
    assert.equal(await outcome("none", { secFetchSite: (value) => value !== "cross-site" }), "ok");
    // Origin, when present, decides: a matching Origin passes whatever Sec-Fetch-Site says.
    const both = post(jar, {
      headers: { origin: SITE, "sec-fetch-site": "cross-site", "x-csrf-token": token },
    });
    assert.deepEqual(await check(sessions, both), { ok: true });
    // Neither header (curl, a server): the origin check passes, the token still counts.
    assert.deepEqual(await check(sessions, post(jar, { headers: { "x-csrf-token": token } })), { ok: true });
    assert.deepEqual(await check(sessions, post(jar)), { ok: false, reason: "missing_token" });
  });

  t.test("safe methods pass without a token; every unsafe method needs one", async () => {
    const { sessions, jar } = await withToken();
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      assert.deepEqual(
        await check(sessions, post(jar, { method, headers: { origin: "https://evil.example" } })),
        {
          ok: true,
        },
      );
    }
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      assert.deepEqual(await check(sessions, post(jar, { method, headers: { origin: SITE } })), {
        ok: false,
        reason: "missing_token",
      });
    }
  });

  t.test("a destroyed session has no token", async () => {
    const { sessions, jar, token } = await withToken();
    const session = await sessions.load(jar.request());
    session.destroy();
    assert.equal(await sessions.verifyCsrfToken(session, token), false);
    await assert.rejects(sessions.csrfToken(session), /destroyed/);
  });
};
