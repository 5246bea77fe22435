import assert from "node:assert/strict";
import { createSessions, generateSecret } from "sealed-session";
import type { Suite } from "../harness.ts";
import { Jar, setCookies, visit } from "../support/http.ts";

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

  t.test("Cache-Control set by the app is kept", async () => {
    const sessions = createSessions<{ n: number }>({ secrets });
    const session = await sessions.load(new Request("https://example.com/"));
    session.data.n = 1;
    const headers = new Headers({ "cache-control": "no-cache" });
    await sessions.commit(session, headers);
    assert.equal(setCookies(headers).length, 1);
    assert.equal(headers.get("cache-control"), "no-cache");
  });

  t.test("cacheControl: false leaves the header out; a string replaces the default", async () => {
    for (const [cacheControl, expected] of [
      [false, null],
      ["private, max-age=0", "private, max-age=0"],
    ] as const) {
      const sessions = createSessions<{ n: number }>({ secrets, cacheControl });
      const { headers } = await visit(sessions, new Jar(), (session) => {
        session.data.n = 1;
      });
      assert.equal(headers.getSetCookie().length, 1);
      assert.equal(headers.get("cache-control"), expected);
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
