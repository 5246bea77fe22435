/**
 * Conformance kit, the data store through the session manager: spill-over and its one-way move, what
 * each request costs in store calls (counted, not timed), patches that let concurrent requests all land,
 * login/regenerate moving the record, destroy, limits and failures. `managerStore(t, factory, label)`
 * runs against any backend with atomic patches.
 */
import assert from "node:assert/strict";
import {
  ConfigError,
  createSessions,
  generateSecret,
  memoryRevocationStore,
  type Session,
  type Sessions,
  type SessionsOptions,
  StoreConflictError,
  StoreWriteError,
} from "sealed-session";
import { memoryRegistry } from "sealed-session/registry";
import { type DataStore, dataStore } from "sealed-session/store";
import type { Suite } from "../harness.ts";
import { clock, isClearing, Jar } from "../support/http.ts";
import type { DataStoreFactory } from "./data-store.ts";
import { counting, faulty } from "./proxies.ts";

const secrets = generateSecret();
type Data = { cart?: Record<string, number>; blob?: string; n?: number; note?: string };
type Manager = Sessions<Data, Record<string, unknown>>;

function manager(
  store: DataStore,
  options: Partial<SessionsOptions> & { mode?: "auto" | "always"; conflicts?: "error" } = {},
) {
  const { mode, conflicts, ...rest } = options;
  return createSessions<Data>({
    secrets,
    maxAge: 3600,
    store: { store, mode, conflicts, timeout: 60_000 },
    ...rest,
  }) as Manager;
}

async function visit(sessions: Manager, jar: Jar, act?: (session: Session<Data>) => void | Promise<void>) {
  const session = await sessions.load(jar.request());
  await act?.(session);
  const headers = new Headers();
  const result = await sessions.commit(session, headers);
  return { session, result, headers, written: jar.apply(headers) };
}

function copy(jar: Jar): Jar {
  const stolen = new Jar();
  for (const name of jar.names()) stolen.set(name, jar.get(name) ?? "");
  return stolen;
}

/** Random base64url text: incompressible, so it grows the session byte for byte. */
function noise(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return btoa(String.fromCharCode(...bytes))
    .replace(/[+/=]/g, "x")
    .slice(0, length);
}

const cookieBytes = (headers: Headers) =>
  headers
    .getSetCookie()
    .map((line) => line.slice(0, line.indexOf(";")))
    .reduce((sum, pair) => sum + pair.length, 0);

export function managerStore(t: Suite, makeStore: DataStoreFactory, label: string): void {
  t.test(`${label}: a small session stays in the cookie and never touches the store`, async () => {
    const counted = counting(await makeStore());
    const sessions = manager(counted.store);
    const jar = new Jar();
    await visit(sessions, jar, (s) => {
      s.data.n = 1;
    });
    const { session } = await visit(sessions, jar, (s) => {
      s.data.n = 2;
    });
    assert.equal(session.storedIn, "cookie");
    assert.deepEqual(counted.calls, {});
  });

  t.test(
    `${label}: past spillAt it moves to the store for good, with a new id; the old cookie cannot fork it`,
    async () => {
      const revocation = memoryRevocationStore();
      const sessions = manager(await makeStore(), { revocation });
      const jar = new Jar();
      const small = await visit(sessions, jar, (s) => {
        s.login("ada");
        s.data.note = "small";
      });
      const before = copy(jar);
      const blob = noise(60_000);
      const moved = await visit(sessions, jar, (s) => {
        s.data.blob = blob;
      });
      assert.equal(moved.session.storedIn, "store");
      assert.notEqual(moved.session.id, small.session.id, "a new id");
      assert.ok(cookieBytes(moved.headers) < 1024, `${cookieBytes(moved.headers)} bytes of cookie`);
      const again = await visit(sessions, jar);
      assert.equal(again.session.data.blob, blob);
      assert.equal(again.session.data.note, "small");
      assert.equal(again.session.userId, "ada");
      assert.equal((await sessions.load(before.request())).invalidReason, "revoked", "the pre-move copy");
      // One-way: shrinking keeps it in the store.
      const shrunk = await visit(sessions, jar, (s) => {
        delete s.data.blob;
      });
      assert.equal(shrunk.session.storedIn, "store");
    },
  );

  t.test(
    `${label}: counted: unchanged 1 read and 0 writes; changed 1 read, 1 patch and no cookie; idle refresh 1 read and 1 touch`,
    async () => {
      const time = clock();
      const counted = counting(await makeStore());
      const sessions = manager(counted.store, { mode: "always", idleTimeout: 600, now: time.now });
      const jar = new Jar();
      await visit(sessions, jar, (s) => {
        s.data.cart = { book: 1 };
      });
      assert.deepEqual(counted.calls, { create: 1 });
      counted.reset();
      const { written } = await visit(sessions, jar);
      assert.deepEqual(counted.calls, { get: 1 }, "unchanged");
      assert.deepEqual(written, []);
      counted.reset();
      const changed = await visit(sessions, jar, (s) => {
        s.data.cart = { ...s.data.cart, pen: 2 };
      });
      assert.deepEqual(counted.calls, { get: 1, patch: 1 }, "changed");
      // The record took the change; the cookie (id, times, record key) has nothing new to say.
      assert.deepEqual(changed.written, [], "no Set-Cookie for a change only the record holds");
      assert.deepEqual((await visit(sessions, jar)).session.data.cart, { book: 1, pen: 2 });
      counted.reset();
      time.advance(120); // past refreshAfter (idleTimeout / 10)
      const refreshed = await visit(sessions, jar);
      assert.deepEqual(counted.calls, { get: 1, touch: 1 }, "idle refresh");
      assert.equal(refreshed.written.length, 1);
    },
  );

  t.test(
    `${label}: a stored session's cookie is still written when what it carries changes: flash, login, regenerate`,
    async () => {
      const sessions = manager(await makeStore(), { mode: "always" });
      const jar = new Jar();
      await visit(sessions, jar, (s) => {
        s.data.cart = { book: 1 };
      });
      const flashed = await visit(sessions, jar, (s) => {
        s.data.cart = { book: 2 };
        s.flash("notice", "saved");
      });
      assert.equal(flashed.written.length, 1, "flash lives in the cookie");
      const read = await visit(sessions, jar, (s) => {
        assert.equal(s.flash("notice"), "saved");
      });
      assert.equal(read.written.length, 1, "a consumed flash leaves the cookie");
      const login = await visit(sessions, jar, (s) => {
        s.login("ada", { keep: true });
      });
      assert.equal(login.written.length, 1, "a login is a new id");
      const again = await visit(sessions, jar, (s) => {
        s.regenerate({ keep: true });
      });
      assert.equal(again.written.length, 1, "a new id");
      const { session } = await visit(sessions, jar);
      assert.equal(session.userId, "ada");
      assert.deepEqual(session.data.cart, { book: 2 });
    },
  );

  t.test(
    `${label}: mode "always" and moveToStore() keep data in the store from the first write`,
    async () => {
      const always = manager(await makeStore(), { mode: "always" });
      const jar = new Jar();
      assert.equal((await visit(always, jar)).written.length, 0, "an untouched new session writes nothing");
      const { session } = await visit(always, jar, (s) => {
        s.data.n = 1;
      });
      assert.equal(session.storedIn, "store");
      const pinned = manager(await makeStore());
      const other = new Jar();
      const first = await visit(pinned, other, (s) => {
        s.data.cart = { book: 1 };
        s.moveToStore();
      });
      assert.equal(first.session.storedIn, "store");
      assert.deepEqual((await visit(pinned, other)).session.data.cart, { book: 1 });
    },
  );

  t.test(
    `${label}: 20 concurrent requests adding distinct cart lines with one cookie: 20 lines`,
    async () => {
      const sessions = manager(await makeStore());
      const jar = new Jar();
      await visit(sessions, jar, (s) => {
        s.data.cart = {};
        s.moveToStore();
      });
      // Twenty requests in flight with the same cookie, each adding its own line.
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const session = await sessions.load(jar.request());
          session.data.cart = { ...session.data.cart, [`sku-${i}`]: i + 1 };
          await sessions.commit(session, new Headers());
        }),
      );
      const cart = (await visit(sessions, jar)).session.data.cart ?? {};
      assert.equal(Object.keys(cart).length, 20);
      assert.equal(cart["sku-19"], 20);
    },
  );

  t.test(
    `${label}: the same path changed by two requests: last write wins, or a conflict error when asked`,
    async () => {
      for (const conflicts of [undefined, "error"] as const) {
        const sessions = manager(await makeStore(), { mode: "always", conflicts });
        const jar = new Jar();
        await visit(sessions, jar, (s) => {
          s.data.cart = { book: 1 };
        });
        const [first, second] = [await sessions.load(jar.request()), await sessions.load(jar.request())];
        first.data.cart = { book: 2 };
        second.data.cart = { book: 3 };
        await sessions.commit(first, new Headers());
        if (conflicts === undefined) {
          await sessions.commit(second, new Headers());
          assert.deepEqual((await visit(sessions, jar)).session.data.cart, { book: 3 });
        } else {
          const headers = new Headers();
          await assert.rejects(sessions.commit(second, headers), (error: unknown) => {
            assert.ok(error instanceof StoreConflictError);
            assert.deepEqual(error.paths, [["cart", "book"]]);
            assert.ok(!error.message.includes("book"), "no keys or values in the message");
            return true;
          });
          assert.deepEqual(headers.getSetCookie(), []);
          assert.deepEqual((await visit(sessions, jar)).session.data.cart, { book: 2 });
        }
      }
    },
  );

  t.test(
    `${label}: login and regenerate move the record to the new id at once; the old cookie is refused`,
    async () => {
      const sessions = manager(await makeStore(), { mode: "always" });
      const jar = new Jar();
      await visit(sessions, jar, (s) => {
        s.data.cart = { book: 1 };
      });
      for (const change of [
        (s: Session<Data>) => s.login("ada"),
        (s: Session<Data>) => s.regenerate({ keep: true }),
      ]) {
        const before = copy(jar);
        await visit(sessions, jar, change);
        assert.equal(
          (await sessions.load(before.request())).invalidReason,
          "revoked",
          "no window where both work",
        );
        const { session } = await visit(sessions, jar);
        assert.deepEqual(session.data.cart, { book: 1 }, "the cart survives");
        assert.equal(session.userId, "ada");
      }
    },
  );

  t.test(
    `${label}: destroy deletes the record: a cookie replayed after it is revoked, never an empty session`,
    async () => {
      const sessions = manager(await makeStore(), { mode: "always" });
      const jar = new Jar();
      await visit(sessions, jar, (s) => {
        s.login("ada");
        s.data.n = 1;
      });
      const stolen = copy(jar);
      await visit(sessions, jar, (s) => s.destroy());
      const replay = await sessions.load(stolen.request());
      assert.equal(replay.invalidReason, "revoked");
      assert.equal(replay.userId, undefined);
    },
  );

  t.test(
    `${label}: data past store.maxBytes is a StoreWriteError (too_large) at commit, and no cookie`,
    async () => {
      const sessions = createSessions<Data>({
        secrets,
        store: { store: await makeStore(), maxBytes: 4096 },
      }) as Manager;
      const session = await sessions.load(new Request("https://example.com/"));
      session.data.blob = noise(8000);
      const headers = new Headers();
      await assert.rejects(sessions.commit(session, headers), (error: unknown) => {
        assert.ok(error instanceof StoreWriteError);
        assert.equal(error.code, "too_large");
        assert.equal(error.limit, 4096);
        return true;
      });
      assert.deepEqual(headers.getSetCookie(), []);
    },
  );

  t.test(
    `${label}: a store that fails or hangs: reads fail closed (store_unavailable), writes throw, no cookie moves`,
    async () => {
      const real = await makeStore();
      const fault = faulty(real, "store down");
      const events: string[] = [];
      const sessions = createSessions<Data>({
        secrets,
        store: {
          store: fault.store,
          mode: "always",
          timeout: 50,
          onStoreError: (event) => void events.push(`${event.operation}:${event.kind}`),
        },
      }) as Manager;
      // The same sessions without the short deadline, for the steps where the store works: a real
      // backend on a loaded machine may take longer than 50 ms, and that is not what this tests.
      const patient = createSessions<Data>({
        secrets,
        store: { store: fault.store, mode: "always" },
      }) as Manager;
      const jar = new Jar();
      await visit(patient, jar, (s) => {
        s.login("ada");
        s.data.n = 1;
      });
      const cookie = jar.header;
      for (const failure of ["throw", "hang"] as const) {
        fault.mode = failure;
        const { session, written } = await visit(sessions, jar, (s) => {
          s.data.n = 2;
        });
        assert.equal(session.invalidReason, "store_unavailable");
        assert.equal(session.readOnly, true);
        assert.equal(session.userId, undefined);
        assert.deepEqual(written, []);
      }
      assert.deepEqual(events, ["get:error", "get:timeout"]);
      fault.mode = "ok";
      const session = await patient.load(jar.request());
      assert.equal(session.data.n, 1, "the outage lost nothing");
      session.data.n = 3;
      fault.mode = "throw";
      const headers = new Headers();
      await assert.rejects(patient.commit(session, headers), { code: "store_write_failed" });
      assert.deepEqual(headers.getSetCookie(), []);
      assert.equal(jar.header, cookie);
    },
  );

  t.test(`${label}: adding a store to a running app logs nobody out`, async () => {
    const before = createSessions<Data>({ secrets, maxAge: 3600 }) as Manager;
    const jar = new Jar();
    await visit(before, jar, (s) => {
      s.login("ada");
      s.data.cart = { book: 1 };
    });
    const sessions = manager(await makeStore());
    const { session } = await visit(sessions, jar);
    assert.equal(session.userId, "ada");
    assert.deepEqual(session.data.cart, { book: 1 });
  });

  t.test(
    `${label}: a login whose record vanished meanwhile is no login: cookie cleared, no device left behind`,
    async () => {
      const real = await makeStore();
      let vanish = false;
      // The record goes (a logout in another tab, an eviction) between this request's read and its write.
      const store = dataStore({
        get: real.get.bind(real),
        create: real.create.bind(real),
        patch: (key, request, options) =>
          vanish
            ? Promise.resolve({ ok: false, reason: "missing" } as const)
            : real.patch(key, request, options),
        touch: real.touch.bind(real),
        delete: real.delete.bind(real),
      });
      const registry = memoryRegistry();
      const sessions = manager(store, { mode: "always", registry });
      const jar = new Jar();
      await visit(sessions, jar, (s) => {
        s.data.cart = { book: 1 };
      });
      vanish = true;
      const user = `ada-${crypto.randomUUID()}`;
      const { written } = await visit(sessions, jar, (s) => s.login(user, { keep: true }));
      assert.ok(written.length > 0 && written.every(isClearing), "the cookie is cleared");
      assert.equal(jar.header, "", "the browser holds no session");
      assert.deepEqual(await sessions.listSessions(user), [], "the entry this login registered is gone");
    },
  );

  t.test(
    `${label}: a wrapper of the app's own works once dataStore() gives it the store's code; a registry is refused`,
    async () => {
      const real = await makeStore();
      const plain: DataStore = {
        get: real.get.bind(real),
        create: real.create.bind(real),
        patch: real.patch.bind(real),
        touch: real.touch.bind(real),
        delete: real.delete.bind(real),
      };
      for (const store of [plain, { store: plain }]) {
        assert.throws(
          () => createSessions({ secrets, store }),
          (error: unknown) =>
            error instanceof ConfigError &&
            error.code === "invalid_config" &&
            error.message.includes("dataStore()"),
        );
      }
      // The other kind of backend is named as such.
      for (const store of [memoryRegistry(), { store: memoryRegistry() }]) {
        assert.throws(
          () => createSessions({ secrets, store: store as never }),
          (error: unknown) =>
            error instanceof ConfigError &&
            error.message.includes("a session registry") &&
            error.message.includes("`registry`"),
        );
      }
      const sessions = manager(dataStore(plain), { mode: "always" });
      const jar = new Jar();
      await visit(sessions, jar, (s) => {
        s.data.cart = { book: 2 };
      });
      const { session } = await visit(sessions, jar);
      assert.equal(session.storedIn, "store");
      assert.deepEqual(session.data.cart, { book: 2 });
    },
  );
}
