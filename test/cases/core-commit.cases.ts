import assert from "node:assert/strict";
import { ConfigError, createSessions, generateSecret, type Session } from "sealed-session";
import type { Suite } from "../harness.ts";
import { Jar, requestWithCookie, visit } from "../support/http.ts";

const secrets = generateSecret();

export default (t: Suite) => {
  t.test("an untouched new session writes nothing and leaves Cache-Control alone", async () => {
    const sessions = createSessions({ secrets });
    const { session, headers } = await visit(sessions, new Jar());
    assert.equal(session.isNew, true);
    assert.equal(session.invalidReason, undefined);
    assert.deepEqual(headers.getSetCookie(), []);
    assert.equal(headers.get("cache-control"), null);
  });

  t.test("a new session that changed is written once, and reads back", async () => {
    const sessions = createSessions<{ views: number }>({ secrets });
    const jar = new Jar();
    const first = await visit(sessions, jar, (session) => {
      session.data.views = 1;
    });
    assert.equal(first.written.length, 1);
    assert.equal(first.headers.get("cache-control"), "private, no-store");
    const second = await visit(sessions, jar);
    assert.equal(second.session.isNew, false);
    assert.equal(second.session.id, first.session.id);
    assert.deepEqual(second.session.data, { views: 1 });
  });

  t.test("an unchanged loaded session writes nothing but marks the response private", async () => {
    const sessions = createSessions<{ views: number }>({ secrets });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data.views = 1;
    });
    const { session, headers } = await visit(sessions, jar, (session) => {
      assert.equal(session.data.views, 1); // reading is not changing
    });
    assert.equal(session.isNew, false);
    assert.deepEqual(headers.getSetCookie(), []);
    assert.equal(headers.get("cache-control"), "private, no-store");
  });

  t.test("a change deep inside the data is noticed; an equal re-assignment is not", async () => {
    const sessions = createSessions<{ cart: { items: string[] } }>({ secrets });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data.cart = { items: ["a"] };
    });
    const same = await visit(sessions, jar, (session) => {
      session.data = { cart: { items: ["a"] } };
    });
    assert.deepEqual(same.written, []);
    const deep = await visit(sessions, jar, (session) => {
      session.data.cart?.items.push("b");
    });
    assert.equal(deep.written.length, 1);
    assert.deepEqual((await visit(sessions, jar)).session.data, { cart: { items: ["a", "b"] } });
  });

  t.test("a second commit of the same session writes nothing more", async () => {
    const sessions = createSessions<{ n: number }>({ secrets });
    const session = await sessions.load(new Request("https://example.com/"));
    session.data.n = 1;
    const first = new Headers();
    await sessions.commit(session, first);
    assert.equal(first.getSetCookie().length, 1);
    const again = new Headers();
    await sessions.commit(session, again);
    assert.deepEqual(again.getSetCookie(), []);
  });

  t.test("Cache-Control set by the app is kept on a response that only reads the session", async () => {
    const sessions = createSessions<{ n: number }>({ secrets });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data.n = 1;
    });
    const session = await sessions.load(jar.request());
    const headers = new Headers({ "cache-control": "no-cache" });
    await sessions.commit(session, headers);
    assert.deepEqual(headers.getSetCookie(), []);
    assert.equal(headers.get("cache-control"), "no-cache");
  });

  t.test("a response that sets or clears the cookie is never storable by a shared cache", async () => {
    const warnings = captureWarnings();
    try {
      const sessions = createSessions<{ n: number }>({ secrets });
      const jar = new Jar();
      const cdn = {
        "cdn-cache-control": "max-age=600",
        "cloudflare-cdn-cache-control": "max-age=600",
        "vercel-cdn-cache-control": "max-age=600",
        "surrogate-control": "max-age=600",
      };
      for (const [appValue, expected] of [
        ["public, max-age=3600", "private, no-store"],
        ["no-cache", "private, no-store"],
        ['private="set-cookie", max-age=60', "private, no-store"],
        ["s-maxage=60", "private, no-store"],
        ["private, max-age=60", "private, max-age=60"],
        ["no-store", "no-store"],
      ] as const) {
        for (const act of [
          (session: Session<{ n: number }>) => {
            session.data.n = (session.data.n ?? 0) + 1;
          },
          (session: Session<{ n: number }>) => session.login("ada"),
          (session: Session<{ n: number }>) => session.destroy(),
        ]) {
          const session = await sessions.load(jar.request());
          act(session);
          const headers = new Headers({ "cache-control": appValue, ...cdn });
          await sessions.commit(session, headers);
          jar.apply(headers);
          assert.ok(headers.getSetCookie().length > 0);
          assert.equal(headers.get("cache-control"), expected, appValue);
          for (const name of Object.keys(cdn)) assert.equal(headers.get(name), null, name);
        }
      }
      // A rejected cookie is cleared: that response is private too.
      const headers = new Headers({ "cache-control": "public, max-age=60" });
      await sessions.commit(await sessions.load(requestWithCookie("__Host-session=garbage")), headers);
      assert.equal(headers.getSetCookie().length, 1);
      assert.equal(headers.get("cache-control"), "private, no-store");
      assert.equal(warnings.length, 1, "warned once per manager");
      assert.match(warnings[0]!, /shared cache/);
    } finally {
      warnings.restore();
    }
  });

  t.test("cacheControl: false leaves read-only responses alone; a string replaces the default", async () => {
    for (const [cacheControl, written, readOnly] of [
      [false, "private, no-store", null],
      ["private, max-age=0", "private, max-age=0", "private, max-age=0"],
      ["no-store", "no-store", "no-store"],
    ] as const) {
      const sessions = createSessions<{ n: number }>({ secrets, cacheControl });
      const jar = new Jar();
      const { headers } = await visit(sessions, jar, (session) => {
        session.data.n = 1;
      });
      assert.equal(headers.getSetCookie().length, 1);
      assert.equal(headers.get("cache-control"), written);
      const read = await visit(sessions, jar);
      assert.deepEqual(read.written, []);
      assert.equal(read.headers.get("cache-control"), readOnly);
    }
  });

  t.test("a cacheControl option that a shared cache could store is refused at start-up", () => {
    for (const cacheControl of ["public, max-age=60", "no-cache", 'private="set-cookie"', ""]) {
      assert.throws(
        () => createSessions({ secrets, cacheControl }),
        (error: unknown) => error instanceof ConfigError && error.message.includes("cacheControl"),
        cacheControl,
      );
    }
  });

  t.test("a destroyed session's response clears the cookie and is private", async () => {
    const sessions = createSessions<{ n: number }>({ secrets });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data.n = 1;
    });
    const { written, headers } = await visit(sessions, jar, (session) => session.destroy());
    assert.equal(written.length, 1);
    assert.equal(written[0]?.name, sessions.cookieName);
    assert.equal(written[0]?.value, "");
    assert.equal(written[0]?.attributes.get("max-age"), "0");
    assert.equal(headers.get("cache-control"), "private, no-store");
    assert.deepEqual(jar.names(), []);
  });

  t.test("load accepts a Headers object as well as a Request", async () => {
    const sessions = createSessions<{ n: number }>({ secrets });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data.n = 7;
    });
    const session = await sessions.load(new Headers({ cookie: jar.header }));
    assert.deepEqual(session.data, { n: 7 });
  });
};

/** Collects console.warn lines until `restore()`. */
function captureWarnings(): string[] & { restore(): void } {
  const lines = [] as unknown as string[] & { restore(): void };
  const original = console.warn;
  console.warn = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  lines.restore = () => {
    console.warn = original;
  };
  return lines;
}
