import assert from "node:assert/strict";
import {
  createSessions,
  generateSecret,
  type RevocationStore,
  type Session,
  SessionDestroyedError,
  SessionReadOnlyError,
} from "sealed-session";
import type { Suite } from "../harness.ts";
import { clock, isClearing, Jar, visit } from "../support/http.ts";

const secrets = generateSecret();

interface Data {
  cart: string[];
  theme: string;
  csrf: string;
}

function isDestroyedError(error: unknown): boolean {
  assert.ok(error instanceof SessionDestroyedError);
  assert.equal(error.code, "destroyed");
  return true;
}

export default (t: Suite) => {
  t.test("login issues a new id, restarts issued-at and expiry, binds the user, keeps the data", async () => {
    const time = clock();
    const sessions = createSessions<Data>({ secrets, maxAge: 3600, now: time.now });
    const jar = new Jar();
    const anonymous = await visit(sessions, jar, (session) => {
      session.data.cart = ["book"];
    });
    time.advance(120);
    const { session } = await visit(sessions, jar, (session) => session.login("ada"));
    assert.notEqual(session.id, anonymous.session.id);
    assert.equal(session.userId, "ada");
    assert.equal(session.issuedAt, time.time);
    assert.equal(session.expiresAt, time.time + 3600_000);
    const next = await visit(sessions, jar);
    assert.equal(next.session.userId, "ada");
    assert.equal(next.session.id, session.id);
    assert.deepEqual(next.session.data, { cart: ["book"] });
  });

  t.test("login on an untouched new session is written", async () => {
    const sessions = createSessions<Data>({ secrets });
    const { written, session } = await visit(sessions, new Jar(), (session) => session.login("ada"));
    assert.equal(written.length, 1);
    assert.equal(session.userId, "ada");
    assert.throws(() => session.login(""), TypeError);
  });

  t.test("regenerate() issues a new id, keeps user and expiry, and starts with empty data", async () => {
    const time = clock();
    const sessions = createSessions<Data>({ secrets, now: time.now });
    const jar = new Jar();
    const first = await visit(sessions, jar, (session) => {
      session.login("ada");
      session.data.cart = ["book"];
    });
    time.advance(5);
    const { session } = await visit(sessions, jar, (session) => session.regenerate());
    assert.notEqual(session.id, first.session.id);
    assert.equal(session.userId, "ada");
    assert.equal(session.expiresAt, first.session.expiresAt);
    assert.deepEqual((await visit(sessions, jar)).session.data, {});
  });

  t.test("regenerate({ keep }) keeps all data, or just the listed keys", async () => {
    const sessions = createSessions<Data>({ secrets });
    for (const [keep, expected] of [
      [true, { cart: ["book"], theme: "dark", csrf: "x" }],
      [["theme"], { theme: "dark" }],
      [["theme", "cart"], { cart: ["book"], theme: "dark" }],
      [false, {}],
    ] as const) {
      const jar = new Jar();
      const before = await visit(sessions, jar, (session) => {
        session.data = { cart: ["book"], theme: "dark", csrf: "x" };
      });
      const { session } = await visit(sessions, jar, (session) =>
        session.regenerate({ keep: keep as boolean | (keyof Data)[] }),
      );
      assert.notEqual(session.id, before.session.id);
      assert.deepEqual((await visit(sessions, jar)).session.data, expected, JSON.stringify(keep));
    }
  });

  t.test(
    "destroy is terminal: data frozen empty; login, regenerate, flash and data writes throw",
    async () => {
      const sessions = createSessions<Data, { notice: string }>({ secrets });
      const jar = new Jar();
      await visit(sessions, jar, (session) => {
        session.data.theme = "dark";
      });
      const session = await sessions.load(jar.request());
      session.destroy();
      session.destroy(); // twice is harmless
      assert.equal(session.isDestroyed, true);
      assert.deepEqual(session.data, {});
      assert.ok(Object.isFrozen(session.data));
      assert.throws(() => {
        session.data.theme = "light";
      }, TypeError);
      assert.throws(() => {
        session.data = { theme: "light" };
      }, isDestroyedError);
      assert.throws(() => session.login("ada"), isDestroyedError);
      assert.throws(() => session.regenerate(), isDestroyedError);
      assert.throws(() => session.flash("notice", "hi"), isDestroyedError);
      const headers = new Headers();
      await sessions.commit(session, headers);
      const written = jar.apply(headers);
      assert.ok(written.length > 0);
      assert.ok(written.every(isClearing), "nothing but clearing cookies in that response");
      assert.ok(written.every((cookie) => cookie.value === ""));
      const again = new Headers();
      await sessions.commit(session, again);
      assert.ok(setCookieValues(again).every((value) => value === ""));
      assert.equal((await sessions.load(jar.request())).isNew, true);
    },
  );

  t.test("destroy clears with the same Path and Domain the cookie was set with", async () => {
    const sessions = createSessions<Data>({
      secrets,
      cookie: { name: "sid", path: "/app", domain: "example.com" },
    });
    const jar = new Jar();
    const set = await visit(sessions, jar, (session) => {
      session.data.theme = "dark";
    });
    assert.equal(sessions.cookieName, "__Secure-sid", "Domain rules out __Host-");
    const { written } = await visit(sessions, jar, (session) => session.destroy());
    assert.equal(written.length, 1);
    const [cleared] = written;
    for (const attribute of ["path", "domain", "secure", "samesite"]) {
      assert.equal(cleared?.attributes.get(attribute), set.written[0]?.attributes.get(attribute), attribute);
    }
    assert.equal(cleared?.name, "__Secure-sid");
    assert.equal(cleared?.attributes.get("path"), "/app");
    assert.equal(cleared?.attributes.get("domain"), "example.com");
    assert.ok(cleared && isClearing(cleared));
  });

  t.test("destroy of a chunked session clears every chunk", async () => {
    const sessions = createSessions<{ blob: string }>({ secrets, cookie: { maxBytes: 4 * 4096 } });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data.blob = randomText(9000);
    });
    assert.ok(jar.names().length >= 3);
    const before = jar.names();
    const { written } = await visit(sessions, jar, (session) => session.destroy());
    const cleared = new Set(written.map((cookie) => cookie.name));
    for (const name of before) assert.ok(cleared.has(name), name);
    assert.ok(written.every(isClearing));
    assert.deepEqual(jar.names(), []);
  });

  t.test("flash(key, value) is readable once, on the next request", async () => {
    const sessions = createSessions<Data, { notice: string; count: number }>({ secrets });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.flash("notice", "Saved");
      session.flash("count", 2);
    });
    const next = await visit(sessions, jar, (session) => {
      const notice: string | undefined = session.flash("notice");
      assert.equal(notice, "Saved");
      assert.equal(session.flash("notice"), undefined, "read once");
    });
    assert.equal(next.written.length, 1, "consuming a flash is a change");
    const later = await visit(sessions, jar, (session) => {
      assert.equal(session.flash("notice"), undefined);
      assert.equal(session.flash("count"), 2, "unread values stay");
    });
    assert.equal(later.written.length, 1);
    const gone = await visit(sessions, jar, (session) => {
      assert.equal(session.flash("count"), undefined);
    });
    assert.equal(gone.written.length, 0);
  });

  t.test("flash values are typed and checked as JSON", async () => {
    const sessions = createSessions<Data, { notice: string }>({ secrets });
    const session = await sessions.load(new Request("https://example.com/"));
    const typed = () => {
      // @ts-expect-error a number is not the declared flash type
      session.flash("notice", 1);
      // @ts-expect-error unknown flash key
      session.flash("other", "x");
    };
    assert.equal(typeof typed, "function");
    assert.throws(() => session.flash("notice", new Date() as unknown as string), { code: "not_json" });
  });
  t.test("flash(key) reads own values only: inherited names are not flash values", async () => {
    const sessions = createSessions<Data, Record<string, string>>({ secrets });
    const jar = new Jar();
    for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf"]) {
      const { session, written } = await visit(sessions, jar, (s) => {
        assert.equal(s.flash(name), undefined);
      });
      assert.equal(session.isNew, true);
      assert.deepEqual(written, [], "reading a missing flash value changes nothing");
    }
    await visit(sessions, jar, (s) => {
      s.flash("toString", "kept");
      s.flash("__proto__", "stored as data");
    });
    await visit(sessions, jar, (s) => {
      assert.equal(s.flash("toString"), "kept");
      assert.equal(s.flash("__proto__"), "stored as data");
    });
  });

  t.test("regenerate({ keep }) keeps own keys only", async () => {
    const sessions = createSessions<Record<string, unknown>>({ secrets });
    const jar = new Jar();
    await visit(sessions, jar, (s) => {
      s.data.cart = ["book"];
    });
    const { session } = await visit(sessions, jar, (s) => s.regenerate({ keep: ["cart", "toString"] }));
    assert.deepEqual(Object.keys(session.data), ["cart"]);
  });

  t.test("login as another user starts from empty data and flash; the same user keeps them", async () => {
    const sessions = createSessions<Data, { notice: string }>({ secrets });
    const jar = new Jar();
    await visit(sessions, jar, (s) => {
      s.data.cart = ["book"];
    });
    let { session } = await visit(sessions, jar, (s) => s.login("ada"));
    assert.deepEqual(session.data, { cart: ["book"] }, "anonymous → user keeps the cart");
    ({ session } = await visit(sessions, jar, (s) => {
      s.data.theme = "dark";
      s.flash("notice", "for ada");
      s.login("ada");
    }));
    assert.deepEqual(session.data, { cart: ["book"], theme: "dark" }, "the same user again keeps everything");
    ({ session } = await visit(sessions, jar, (s) => s.login("mallory")));
    assert.equal(session.userId, "mallory");
    assert.deepEqual(session.data, {}, "another user inherits nothing");
    const next = await visit(sessions, jar, (s) => assert.equal(s.flash("notice"), undefined));
    assert.deepEqual(next.session.data, {});
  });

  t.test("login as another user keeps what `keep` lists", async () => {
    const sessions = createSessions<Data>({ secrets });
    const jar = new Jar();
    await visit(sessions, jar, (s) => {
      s.login("ada");
      s.data.cart = ["book"];
      s.data.theme = "dark";
    });
    const { session } = await visit(sessions, jar, (s) => s.login("bob", { keep: ["theme"] }));
    assert.deepEqual(session.data, { theme: "dark" });
    const all = await visit(sessions, jar, (s) => s.login("carol", { keep: true }));
    assert.deepEqual(all.session.data, { theme: "dark" });
  });

  t.test(
    "login and regenerate on a read-only session throw SessionReadOnlyError; the cookie stays",
    async () => {
      let failing = false;
      const store: RevocationStore = {
        isRevoked: async () => {
          if (failing) throw new Error("store down");
          return false;
        },
        revokeSession: async () => {},
        revokeUser: async () => {},
      };
      const sessions = createSessions<Data>({ secrets, revocation: { store, onStoreError: () => "closed" } });
      const jar = new Jar();
      await visit(sessions, jar, (s) => s.login("ada"));
      const cookie = jar.header;
      failing = true;
      const changes = [(s: Session<Data>) => s.login("mallory"), (s: Session<Data>) => s.regenerate()];
      for (const change of changes) {
        const session = await sessions.load(jar.request());
        assert.equal(session.readOnly, true);
        assert.throws(
          () => change(session),
          (error: unknown) => error instanceof SessionReadOnlyError && error.code === "read_only",
        );
        const headers = new Headers();
        await sessions.commit(session, headers);
        assert.deepEqual(headers.getSetCookie(), []);
      }
      assert.equal(jar.header, cookie);
      failing = false;
      assert.equal((await sessions.load(jar.request())).userId, "ada", "the outage changed nobody's login");
    },
  );
};

function randomText(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (byte) => "abcdefghijklmnopqrstuvwxyz0123456789"[byte % 36]).join("");
}

const setCookieValues = (headers: Headers) =>
  headers.getSetCookie().map((line) => line.slice(line.indexOf("=") + 1).split(";")[0]);
