/**
 * Conformance kit, the registry through the session manager: what a user and an admin see and can
 * end, what each request costs (counted, not timed), and what happens when the backend fails.
 * `managerRegistry(t, factory, label)` runs against any backend.
 */
import assert from "node:assert/strict";
import {
  ConfigError,
  createSessions,
  generateSecret,
  LoginUnavailableError,
  type Session,
  type Sessions,
  type SessionsOptions,
} from "sealed-session";
import { type RegistryStore, registryStore } from "sealed-session/registry";
import { memoryStore } from "sealed-session/store";
import type { Suite } from "../harness.ts";
import { clock, Jar } from "../support/http.ts";
import { counting, faulty } from "./proxies.ts";
import type { RegistryFactory } from "./registry.ts";

const secrets = generateSecret();
const CHROME =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
const unique = () => crypto.randomUUID();

type Data = { views?: number };
type Manager = Sessions<Data, Record<string, unknown>>;

function manager(
  store: RegistryStore,
  options: Partial<SessionsOptions> & { checkEvery?: number; max?: number } = {},
) {
  const { checkEvery, max, ...rest } = options;
  return createSessions<Data>({
    secrets,
    maxAge: 3600,
    registry: { store, checkEvery, maxSessionsPerUser: max, timeout: 60_000 },
    ...rest,
  }) as Manager;
}

/** One browser: its cookies and its User-Agent. */
class Device {
  readonly jar = new Jar();
  readonly userAgent: string;
  constructor(userAgent = CHROME) {
    this.userAgent = userAgent;
  }
  request(): Request {
    const request = this.jar.request();
    request.headers.set("user-agent", this.userAgent);
    return request;
  }
  async visit(sessions: Manager, act?: (session: Session<Data>) => void | Promise<void>) {
    const session = await sessions.load(this.request());
    await act?.(session);
    const headers = new Headers();
    const result = await sessions.commit(session, headers);
    return { session, result, written: this.jar.apply(headers) };
  }
  copy(): Device {
    const copy = new Device(this.userAgent);
    for (const name of this.jar.names()) copy.jar.set(name, this.jar.get(name) ?? "");
    return copy;
  }
}

async function loggedIn(sessions: Manager, user: string, userAgent = CHROME): Promise<Device> {
  const device = new Device(userAgent);
  await device.visit(sessions, (s) => s.login(user));
  return device;
}

export function managerRegistry(t: Suite, makeStore: RegistryFactory, label: string): void {
  t.test(
    `${label}: login registers the session; the user sees it labelled, current, with a stable handle`,
    async () => {
      const sessions = manager(await makeStore());
      const user = `ada-${unique()}`;
      const laptop = await loggedIn(sessions, user);
      const phone = await loggedIn(sessions, user, IPHONE);
      const { session } = await laptop.visit(sessions);
      const listed = await sessions.listSessions(session);
      assert.deepEqual(
        listed.map((s) => [s.label, s.current, s.kind]),
        [
          ["Safari on iPhone", false, "cookie"],
          ["Chrome on Linux", true, "cookie"],
        ],
      );
      for (const info of listed) assert.match(info.id, /^[\w-]{22}$/);
      assert.ok(!JSON.stringify(listed).includes(session.id), "a listing never shows a session id");
      // regenerate keeps the handle; the old cookie is refused.
      const stolen = laptop.copy();
      await laptop.visit(sessions, (s) => s.regenerate({ keep: true }));
      const after = await sessions.listSessions(user);
      assert.deepEqual(after.map((s) => s.id).sort(), listed.map((s) => s.id).sort());
      assert.equal((await stolen.visit(sessions)).session.invalidReason, "revoked");
      assert.equal((await laptop.visit(sessions)).session.userId, user);
      assert.equal((await phone.visit(sessions)).session.userId, user);
    },
  );

  t.test(
    `${label}: login({ label }) names the device; labels are plain text of at most 64 characters`,
    async () => {
      const sessions = manager(await makeStore());
      const user = `ada-${unique()}`;
      const cli = new Device("curl/8.5.0");
      await cli.visit(sessions, (s) => s.login(user, { label: `<b>My laptop</b>\u0000 ${"x".repeat(100)}` }));
      await loggedIn(sessions, user, "curl/8.5.0");
      const labels = (await sessions.listSessions(user)).map((s) => s.label);
      assert.deepEqual(labels, ["curl", `<b>My laptop</b>  ${"x".repeat(100)}`.slice(0, 64)]);
    },
  );

  t.test(`${label}: ending a session by handle logs that device out on its next request`, async () => {
    const sessions = manager(await makeStore());
    const [user, other] = [`ada-${unique()}`, `bob-${unique()}`];
    const laptop = await loggedIn(sessions, user);
    const phone = await loggedIn(sessions, user, IPHONE);
    const bobs = await loggedIn(sessions, other);
    const { session } = await laptop.visit(sessions);
    const phoneHandle = (await sessions.listSessions(session)).find((s) => !s.current)!.id;
    const bobHandle = (await sessions.listSessions(other))[0]!.id;
    assert.equal(await sessions.endSession(session, bobHandle), false, "another user's session");
    assert.equal(await sessions.endSession(session, "not-a-handle"), false);
    assert.equal(await sessions.endSession(session, phoneHandle), true);
    const next = await phone.visit(sessions);
    assert.equal(next.session.invalidReason, "revoked");
    assert.equal(next.session.userId, undefined);
    assert.ok(next.written.length > 0, "the ended cookie is cleared");
    assert.equal((await laptop.visit(sessions)).session.userId, user);
    assert.equal((await bobs.visit(sessions)).session.userId, other);
  });

  t.test(
    `${label}: "log out other devices" keeps this one; "log out everywhere" ends all; a login after survives`,
    async () => {
      const sessions = manager(await makeStore());
      const user = `ada-${unique()}`;
      const [laptop, phone, tablet] = [
        await loggedIn(sessions, user),
        await loggedIn(sessions, user),
        await loggedIn(sessions, user),
      ];
      const { session } = await laptop.visit(sessions);
      assert.equal(await sessions.endOtherSessions(session), 2);
      assert.equal((await phone.visit(sessions)).session.invalidReason, "revoked");
      assert.equal((await tablet.visit(sessions)).session.invalidReason, "revoked");
      assert.equal((await laptop.visit(sessions)).session.userId, user);
      const again = await loggedIn(sessions, user);
      await sessions.revokeUser(user);
      assert.equal((await laptop.visit(sessions)).session.invalidReason, "revoked");
      assert.equal((await again.visit(sessions)).session.invalidReason, "revoked");
      const fresh = await loggedIn(sessions, user);
      assert.equal((await fresh.visit(sessions)).session.userId, user, "a login right after survives");
      assert.equal(await sessions.endAllSessions(user), 1);
      assert.equal((await fresh.visit(sessions)).session.invalidReason, "revoked");
    },
  );

  t.test(`${label}: logout removes the entry; the old cookie replayed is refused`, async () => {
    const sessions = manager(await makeStore());
    const user = `ada-${unique()}`;
    const laptop = await loggedIn(sessions, user);
    const stolen = laptop.copy();
    await laptop.visit(sessions, (s) => s.destroy());
    assert.deepEqual(await sessions.listSessions(user), []);
    assert.equal((await stolen.visit(sessions)).session.invalidReason, "revoked");
  });

  t.test(`${label}: maxSessionsPerUser ends the oldest at login`, async () => {
    const sessions = manager(await makeStore(), { max: 2 });
    const user = `ada-${unique()}`;
    const first = await loggedIn(sessions, user);
    const second = await loggedIn(sessions, user);
    const third = await loggedIn(sessions, user);
    assert.equal((await first.visit(sessions)).session.invalidReason, "revoked");
    assert.equal((await second.visit(sessions)).session.userId, user);
    assert.equal((await third.visit(sessions)).session.userId, user);
    assert.equal((await sessions.listSessions(user)).length, 2);
  });

  t.test(
    `${label}: 50 parallel logins with a cap of 3: exactly 3 live and listed, 47 refused next`,
    async () => {
      const sessions = manager(await makeStore(), { max: 3 });
      const user = `ada-${unique()}`;
      const devices = Array.from({ length: 50 }, () => new Device());
      await Promise.all(devices.map((device) => device.visit(sessions, (s) => s.login(user))));
      const listed = await sessions.listSessions(user);
      assert.equal(listed.length, 3);
      const outcomes = await Promise.all(devices.map((device) => device.visit(sessions)));
      const live = outcomes.filter((o) => o.session.userId === user);
      assert.equal(live.length, 3);
      assert.equal(outcomes.filter((o) => o.session.invalidReason === "revoked").length, 47);
    },
  );

  t.test(
    `${label}: counted calls: none anonymous or within checkEvery; one check outside it; one per login and list`,
    async () => {
      const time = clock();
      const counted = counting(await makeStore());
      const sessions = manager(counted.store, { checkEvery: 30, now: time.now });
      const visitor = new Device();
      await visitor.visit(sessions, (s) => {
        s.data.views = 1;
      });
      await visitor.visit(sessions);
      assert.equal(counted.total(), 0, "anonymous requests never ask");
      const user = `ada-${unique()}`;
      await visitor.visit(sessions, (s) => s.login(user));
      assert.deepEqual(counted.calls, { register: 1 });
      counted.reset();
      for (let i = 0; i < 5; i++) {
        time.advance(5);
        await visitor.visit(sessions);
      }
      assert.deepEqual(counted.calls, {}, "inside checkEvery: the login's own answer is reused");
      time.advance(10);
      await visitor.visit(sessions);
      await visitor.visit(sessions);
      assert.deepEqual(counted.calls, { check: 1 }, "past it: one check, reused again");
      counted.reset();
      await sessions.listSessions(user);
      assert.deepEqual(counted.calls, { list: 1 });
      counted.reset();
      const every = manager(counted.store, { now: time.now });
      await visitor.visit(every);
      await visitor.visit(every);
      assert.deepEqual(counted.calls, { check: 2 }, "checkEvery 0: every request asks");
    },
  );

  t.test(
    `${label}: within checkEvery an ending holds at once where it was made, elsewhere once checkEvery passes`,
    async () => {
      const time = clock();
      const store = await makeStore();
      const here = manager(store, { checkEvery: 60, now: time.now });
      const there = manager(store, { checkEvery: 60, now: time.now });
      const user = `ada-${unique()}`;
      const phone = await loggedIn(here, user);
      assert.equal((await phone.visit(there)).session.userId, user, "'there' saw it live");
      const handle = (await here.listSessions(user))[0]!.id;
      assert.equal(await here.endSession(user, handle), true);
      assert.equal(
        (await phone.copy().visit(here)).session.invalidReason,
        "revoked",
        "at once on this isolate",
      );
      assert.equal(
        (await phone.copy().visit(there)).session.userId,
        user,
        "the other isolate's answer holds for checkEvery",
      );
      time.advance(61);
      assert.equal((await phone.copy().visit(there)).session.invalidReason, "revoked");
    },
  );

  t.test(
    `${label}: sessions from before the registry are adopted; a registered one whose entry is gone is revoked`,
    async () => {
      const store = await makeStore();
      const before = createSessions<Data>({ secrets, maxAge: 3600 }) as Manager;
      const user = `ada-${unique()}`;
      const legacy = await loggedIn(before, user);
      const stolen = legacy.copy();
      const sessions = manager(store);
      const first = await legacy.visit(sessions);
      assert.equal(first.session.userId, user, "adding a registry logs nobody out");
      assert.ok(first.written.length > 0, "the cookie is rewritten, now registered");
      assert.equal((await sessions.listSessions(user)).length, 1);
      assert.equal((await legacy.visit(sessions)).written.length, 0, "then checked, not adopted again");
      // Log out everywhere: the copy taken before adoption cannot be adopted back.
      await sessions.endAllSessions(user);
      assert.equal((await stolen.visit(sessions)).session.invalidReason, "revoked");
      assert.equal((await legacy.visit(sessions)).session.invalidReason, "revoked");
      // A registered cookie whose entry went missing behind the manager's back is refused.
      const bob = `bob-${unique()}`;
      const registered = await loggedIn(sessions, bob);
      await store.endAll(bob, { now: Date.now() });
      assert.equal((await registered.visit(sessions)).session.invalidReason, "revoked");
    },
  );

  t.test(`${label}: a registry that fails or hangs: logged-in requests fail closed, read-only`, async () => {
    const real = await makeStore();
    const fault = faulty(real, "registry down");
    const events: string[] = [];
    const sessions = createSessions<Data>({
      secrets,
      registry: {
        store: fault.store,
        timeout: 50,
        onStoreError: (event) => void events.push(`${event.operation}:${event.kind}`),
      },
    }) as Manager;
    // The same sessions without the short deadline, for the steps where the registry works: a real
    // backend on a loaded machine may take longer than 50 ms, and that is not what this tests.
    const patient = createSessions<Data>({ secrets, registry: { store: fault.store } }) as Manager;
    const user = `ada-${unique()}`;
    const laptop = await loggedIn(patient, user);
    const cookie = laptop.jar.header;
    for (const failure of ["throw", "hang"] as const) {
      fault.mode = failure;
      const { session, written } = await laptop.visit(sessions, (s) => {
        s.data.views = 5;
      });
      assert.equal(session.invalidReason, "revocation_unavailable");
      assert.equal(session.readOnly, true);
      assert.equal(session.userId, undefined);
      assert.deepEqual(written, [], "neither written nor cleared");
    }
    assert.deepEqual(events, ["check:error", "check:timeout"]);
    assert.equal(laptop.jar.header, cookie);
    fault.mode = "ok";
    assert.equal((await laptop.visit(patient)).session.userId, user, "the outage logged nobody out");
    const open = createSessions<Data>({
      secrets,
      registry: { store: fault.store, timeout: 50, onStoreError: "open" },
    }) as Manager;
    fault.mode = "throw";
    assert.equal((await laptop.visit(open)).session.userId, user, 'onStoreError: "open" accepts it');
  });

  t.test(
    `${label}: a login the registry cannot record is not a login: commit throws, no cookie`,
    async () => {
      const real = await makeStore();
      // A wrapper of the app's own: registryStore() gives it the registry's code, as for any backend.
      const failing = registryStore({
        ...bind(real),
        register: () => Promise.reject(new Error("registry down")),
      });
      const sessions = manager(failing);
      const device = new Device();
      const session = await sessions.load(device.request());
      session.data.views = 1;
      session.login(`ada-${unique()}`);
      const headers = new Headers();
      await assert.rejects(sessions.commit(session, headers), (error: unknown) => {
        assert.ok(error instanceof LoginUnavailableError);
        assert.equal(error.code, "login_unavailable");
        return true;
      });
      assert.deepEqual(headers.getSetCookie(), []);
    },
  );

  t.test(
    `${label}: a wrapper of the app's own works once registryStore() gives it the registry's code; a data store is refused`,
    async () => {
      const plain = bind(await makeStore());
      for (const registry of [plain, { store: plain }]) {
        assert.throws(
          () => createSessions({ secrets, registry }),
          (error: unknown) =>
            error instanceof ConfigError &&
            error.code === "invalid_config" &&
            error.message.includes("registryStore()"),
        );
      }
      // The other kind of backend is named as such.
      for (const registry of [memoryStore(), { store: memoryStore() }]) {
        assert.throws(
          () => createSessions({ secrets, registry: registry as never }),
          (error: unknown) =>
            error instanceof ConfigError &&
            error.message.includes("a data store") &&
            error.message.includes("`store`"),
        );
      }
      const sessions = manager(registryStore(plain));
      const user = `ada-${unique()}`;
      const device = await loggedIn(sessions, user);
      assert.equal((await sessions.listSessions(user)).length, 1);
      await device.visit(sessions, (s) => s.destroy());
      assert.deepEqual(await sessions.listSessions(user), []);
    },
  );

  t.test(`${label}: listing needs a logged-in session or a user id, and a registry`, async () => {
    const sessions = manager(await makeStore());
    const anonymous = await sessions.load(new Request("https://example.com/"));
    await assert.rejects(sessions.listSessions(anonymous), TypeError);
    const without = createSessions({ secrets });
    await assert.rejects(without.listSessions("ada"), { code: "invalid_config" });
  });
}

/** The store's methods bound to it, so a copy can override one. */
function bind(store: RegistryStore): RegistryStore {
  return {
    register: store.register.bind(store),
    adopt: store.adopt.bind(store),
    check: store.check.bind(store),
    rotate: store.rotate.bind(store),
    remove: store.remove.bind(store),
    list: store.list.bind(store),
    end: store.end.bind(store),
    endAll: store.endAll.bind(store),
    advance: store.advance.bind(store),
  };
}
