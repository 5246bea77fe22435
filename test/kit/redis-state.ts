/**
 * Conformance kit, the session registry and the data store on Redis: the registry kits
 * (registryConformance, managerRegistry, managerRefresh for refresh-token families) over `redisRegistry`, the data-store kits
 * (dataStoreConformance, managerStore) over `redisStore`, and what only Redis can show — key names,
 * hash tags and slots, TTLs, no user ids, what an evicted key reads as, writers in several processes,
 * and the commands each operation costs. Runs on every runtime and client next to the revocation kit
 * (test/runtimes/redis.ts registers both). `redisStateFaults` stops Redis mid-run (on a server with
 * persistence, so what a write reported can be checked after the restart).
 * Every store uses its own key prefix, so runs sharing a server never collide.
 */
import assert from "node:assert/strict";
import { createSessions, generateSecret, type Session, SessionError, type Sessions } from "sealed-session";
import { type RegistryStore, redisRegistry } from "sealed-session/registry";
import { type DataStore, type RedisClientLike, redisStore } from "sealed-session/store";
import type { Suite } from "../harness.ts";
import { Jar } from "../support/http.ts";
import { dataStoreConformance } from "./data-store.ts";
import {
  type ControlledServer,
  counting,
  onFreshClient,
  type RedisConnection,
  type RedisTarget,
  scan,
  untilAnswered,
} from "./redis.ts";
import { managerRefresh } from "./refresh.ts";
import { entry, family, hmac, registryConformance } from "./registry.ts";
import { managerRegistry } from "./registry-manager.ts";
import { managerStore } from "./store-manager.ts";

const id = () => crypto.randomUUID().replaceAll("-", "").slice(0, 22);
const prefixOf = () => `t-${id().slice(0, 10)}:`;
/** The registry's naming key in these tests (a real app makes one with `npx sealed-session secret`). */
export const NAMING_KEY = "kit-naming-key-0123456789abcdefghijklmnopqrstuvwxyz";
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The Redis Cluster slot of a key: CRC16 (XMODEM) of its hash tag, or of the whole key, mod 16384. */
export function keySlot(key: string): number {
  const open = key.indexOf("{");
  const close = open === -1 ? -1 : key.indexOf("}", open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of new TextEncoder().encode(hashed)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/** HMAC-SHA-256 of the user id with the naming key, base64url: what names a user's keys. */

const tagOf = (key: string) => key.slice(key.indexOf("{") + 1, key.indexOf("}"));
const pttl = async (client: RedisClientLike, key: string) => Number(await client.command(["PTTL", key]));
/** A TTL Redis counts from the write: at most `expected`, and not much less. */
const about = (ms: number, expected: number) => ms <= expected && ms > expected - 60_000;

const secrets = generateSecret();
type Data = { cart?: Record<string, number>; n?: number };
type Manager = Sessions<Data, Record<string, unknown>>;

export function redisStateConformance(t: Suite, target: RedisTarget, label: string): void {
  const client = () => target.client();
  const registry = async (options: { prefix?: string; attempts?: number } = {}) =>
    redisRegistry(await client(), {
      namingKey: NAMING_KEY,
      prefix: prefixOf(),
      checkEviction: false,
      ...options,
    });
  const store = async (options: { prefix?: string; attempts?: number } = {}) =>
    redisStore(await client(), { prefix: prefixOf(), checkEviction: false, ...options });
  registryConformance(t, () => registry(), `${label} redis registry`);
  managerRegistry(t, () => registry(), `${label} redis registry`);
  managerRefresh(t, () => registry(), `${label} redis registry`);
  dataStoreConformance(t, () => store(), `${label} redis store`);
  managerStore(t, () => store(), `${label} redis store`);

  t.test(
    `${label}: registry keys: one prefix, the user's keyed hash as the tag (one slot), TTLs`,
    async () => {
      const redis = await client();
      const prefix = prefixOf();
      const sessions = await registry({ prefix });
      const user = `lovelace-${id()}@example.com`;
      const now = Date.now();
      const [kept, ended] = [
        entry(now, { expiresAt: now + HOUR }),
        entry(now, { expiresAt: now + 2 * HOUR }),
      ];
      await sessions.register(user, kept, { max: 10, now });
      await sessions.register(user, ended, { max: 10, now });
      await sessions.remove(user, ended.sessionId, { now, expiresAt: ended.expiresAt });
      const keys = await scan(redis, prefix);
      const tag = await hmac(user, NAMING_KEY);
      assert.deepEqual(keys, [`${prefix}{${tag}}:u`, `${prefix}{${tag}}:x:${ended.sessionId}`].sort());
      for (const key of keys) {
        assert.ok(!key.includes("lovelace") && !key.includes("example.com"), `no user id in ${key}`);
        assert.equal(keySlot(key), keySlot(keys[0] as string), "a user's keys share one Cluster slot");
      }
      assert.equal(keySlot(`${prefix}{${tag}}:u`), keySlot(`{${tag}}`));
      assert.notEqual(
        tagOf(keys[0] as string),
        await hmac(user, `${NAMING_KEY}-other`),
        "keyed by namingKey",
      );
      const userKey = `${prefix}{${tag}}:u`;
      const stored = JSON.parse(String(await redis.command(["GET", userKey])));
      assert.deepEqual(
        stored.entries.map((e: { sessionId: string; expiresAt: number }) => [e.sessionId, e.expiresAt]),
        [[kept.sessionId, kept.expiresAt]],
      );
      // PX: until the last entry expires, plus the margin (60 s), counted by Redis from the write.
      assert.ok(about(await pttl(redis, userKey), HOUR + 60_000), `user TTL ${await pttl(redis, userKey)}`);
      const endedKey = `${prefix}{${tag}}:x:${ended.sessionId}`;
      assert.equal(await redis.command(["GET", endedKey]), String(ended.expiresAt));
      assert.ok(about(await pttl(redis, endedKey), 2 * HOUR + 60_000));
      // The last entry ended: the user key goes; "log out everywhere" keeps a cutoff for 400 days.
      assert.equal(await sessions.end(user, kept.handle, { now }), kept.sessionId);
      assert.deepEqual(await scan(redis, `${prefix}{${tag}}:u`), []);
      await sessions.endAll(user, { now });
      assert.deepEqual(JSON.parse(String(await redis.command(["GET", userKey]))), {
        v: 1,
        cutoff: now,
        entries: [],
      });
      assert.ok(about(await pttl(redis, userKey), 400 * DAY + 60_000));
    },
  );

  t.test(
    `${label}: store keys: one prefix, the record key as the tag, the expiry in the value and PX`,
    async () => {
      const redis = await client();
      const prefix = prefixOf();
      const records = await store({ prefix });
      const [key, sessionId, now] = [id(), id(), Date.now()];
      const data = JSON.stringify({ cart: { book: 1 }, note: "line\nbreak ✓" });
      await records.create(key, { sessionId, data, expiresAt: now + HOUR }, { now, maxBytes: 65_536 });
      const recordKey = `${prefix}{${key}}:d`;
      assert.deepEqual(await scan(redis, prefix), [recordKey]);
      assert.equal(await redis.command(["GET", recordKey]), `["${sessionId}",${now + HOUR}]\n${data}`);
      assert.ok(about(await pttl(redis, recordKey), HOUR + 60_000));
      // Touch extends both; a record past its expiry reads as none while Redis still holds it (margin).
      assert.equal(await records.touch(key, sessionId, { now, expiresAt: now + 2 * HOUR }), true);
      assert.ok(about(await pttl(redis, recordKey), 2 * HOUR + 60_000));
      assert.equal(await records.get(key, { now: now + 2 * HOUR + 1 }), null);
      // A patch whose new expiry has passed (margin included) deletes the record.
      const patched = await records.patch(
        key,
        { sessionId, patch: { set: [], del: [["note"]] }, expiresAt: now - 61_000 },
        { now, maxBytes: 65_536 },
      );
      assert.deepEqual(patched, { ok: true });
      assert.deepEqual(await scan(redis, prefix), []);
    },
  );

  t.test(
    `${label}: an evicted user reads as ended, an evicted record as revoked (never live or empty)`,
    async () => {
      const redis = await client();
      const [rPrefix, sPrefix] = [prefixOf(), prefixOf()];
      const sessions = createSessions<Data>({
        secrets,
        maxAge: 3600,
        registry: { store: await registry({ prefix: rPrefix }), timeout: 60_000 },
        store: { store: await store({ prefix: sPrefix }), mode: "always", timeout: 60_000 },
      }) as Manager;
      const [ada, bob] = [new Jar(), new Jar()];
      await visit(sessions, ada, (s) => s.login(`ada-${id()}`));
      await visit(sessions, bob, (s) => {
        s.login(`bob-${id()}`);
        s.data.cart = { book: 1 };
      });
      assert.equal((await sessions.load(ada.request())).invalidReason, undefined);
      // What eviction does, key by key: the registry's user keys, then the store's records.
      for (const key of await scan(redis, rPrefix)) await redis.command(["DEL", key]);
      const evictedUser = await sessions.load(ada.request());
      assert.equal(evictedUser.invalidReason, "revoked");
      assert.equal(evictedUser.userId, undefined);
      const fresh = new Jar();
      await visit(sessions, fresh, (s) => {
        s.login(`carol-${id()}`);
        s.data.cart = { pen: 1 };
      });
      for (const key of await scan(redis, sPrefix)) await redis.command(["DEL", key]);
      const evictedRecord = await sessions.load(fresh.request());
      assert.equal(evictedRecord.invalidReason, "revoked");
      assert.deepEqual(evictedRecord.data, {}, "not an empty session under the old user");
    },
  );

  t.test(`${label}: a value the backend did not write fails the read instead of passing it`, async () => {
    const redis = await client();
    const [rPrefix, sPrefix] = [prefixOf(), prefixOf()];
    const sessions = await registry({ prefix: rPrefix });
    const user = `ada-${id()}`;
    const e = entry(Date.now());
    await sessions.register(user, e, { max: 10, now: Date.now() });
    const records = await store({ prefix: sPrefix });
    const key = id();
    await records.create(
      key,
      { sessionId: id(), data: "{}", expiresAt: Date.now() + HOUR },
      { now: Date.now(), maxBytes: 1024 },
    );
    for (const k of [...(await scan(redis, rPrefix)), ...(await scan(redis, sPrefix))]) {
      await redis.command(["SET", k, '{"v":1,"cutoff":null,"entries":[{"handle":1}]}']);
    }
    await assert.rejects(sessions.check(user, e.sessionId, { now: Date.now(), touchAfter: HOUR }), TypeError);
    await assert.rejects(sessions.list(user, { now: Date.now() }), TypeError);
    await assert.rejects(records.get(key, { now: Date.now() }), TypeError);
  });

  t.test(
    `${label}: writers in 10 processes: 50 logins with a cap of 3 leave 3; 20 cart lines all land`,
    async () => {
      // One store object per "process": no shared in-process lock, so only WATCH/EXEC keeps them apart.
      const [rPrefix, sPrefix] = [prefixOf(), prefixOf()];
      const registries = await Promise.all(
        Array.from({ length: 10 }, () => registry({ prefix: rPrefix, attempts: 100 })),
      );
      const user = `ada-${id()}`;
      const now = Date.now();
      const entries = Array.from({ length: 50 }, (_, i) => entry(now + i));
      const results = await Promise.all(
        entries.map((e, i) =>
          (registries[i % 10] as RegistryStore).register(user, e, { max: 3, now: e.createdAt }),
        ),
      );
      const ended = results.flatMap((r) => r.ended);
      assert.equal(ended.length, 47);
      assert.equal(new Set(ended).size, 47);
      assert.equal((await (registries[0] as RegistryStore).list(user, { now: now + 100 })).length, 3);

      const stores = await Promise.all(
        Array.from({ length: 10 }, () => store({ prefix: sPrefix, attempts: 100 })),
      );
      const [key, sessionId] = [id(), id()];
      await (stores[0] as DataStore).create(
        key,
        { sessionId, data: JSON.stringify({ cart: {} }), expiresAt: now + HOUR },
        { now, maxBytes: 65_536 },
      );
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (stores[i % 10] as DataStore).patch(
            key,
            {
              sessionId,
              patch: { set: [[["cart", `sku-${i}`], String(i)]], del: [] },
              expiresAt: now + HOUR,
            },
            { now, maxBytes: 65_536 },
          ),
        ),
      );
      assert.ok(outcomes.every((outcome) => outcome.ok));
      const cart = JSON.parse((await (stores[0] as DataStore).get(key, { now }))?.data ?? "null").cart;
      assert.equal(Object.keys(cart).length, 20);
    },
  );

  t.test(
    `${label}: a record that keeps changing elsewhere gives up after attempts, writing nothing`,
    async () => {
      const redis = await client();
      const prefix = prefixOf();
      // A client whose every transaction sees another writer change the record between WATCH and EXEC.
      const meddling: RedisClientLike = {
        command: (args) => redis.command(args),
        isolated: (key, fn) =>
          redis.isolated(key, (connection) =>
            fn({
              async command(args) {
                const reply = await connection.command(args);
                if (args[0] === "GET") await redis.command(["PEXPIRE", args[1] as string, "3600000"]);
                return reply;
              },
            }),
          ),
      };
      const records = redisStore(meddling, { prefix, checkEviction: false, attempts: 3 });
      const [key, sessionId, now] = [id(), id(), Date.now()];
      await records.create(
        key,
        { sessionId, data: '{"n":1}', expiresAt: now + HOUR },
        { now, maxBytes: 1024 },
      );
      await assert.rejects(
        records.patch(
          key,
          { sessionId, patch: { set: [[["n"], "2"]], del: [] }, expiresAt: now + HOUR },
          { now, maxBytes: 1024 },
        ),
        /kept changing during 3 check-and-set attempts/,
      );
      assert.equal(JSON.parse((await records.get(key, { now }))?.data ?? "null").n, 1);
    },
  );

  t.test(
    `${label}: commands per operation: check 1, login 5, list 1, read 1, patch 5, idle refresh 5`,
    async () => {
      const { client: counted, commands, reset } = counting(await client());
      const sessions = redisRegistry(counted, {
        namingKey: NAMING_KEY,
        prefix: prefixOf(),
        checkEviction: false,
      });
      const records = redisStore(counted, { prefix: prefixOf(), checkEviction: false });
      const [user, now] = [`ada-${id()}`, Date.now()];
      const e = entry(now);
      await sessions.register(user, e, { max: 10, now });
      assert.deepEqual(commands, ["WATCH", "GET", "MULTI", "SET", "EXEC"], "login (register)");
      reset();
      await sessions.check(user, e.sessionId, { now: now + 1000, touchAfter: 300_000 });
      assert.deepEqual(commands, ["GET"], "check");
      reset();
      await sessions.check(user, e.sessionId, { now: now + 300_000, touchAfter: 300_000 });
      assert.deepEqual(commands, ["GET", "WATCH", "GET", "MULTI", "SET", "EXEC"], "check, lastSeenAt due");
      reset();
      await sessions.list(user, { now });
      assert.deepEqual(commands, ["GET"], "list");
      reset();
      await sessions.remove(user, e.sessionId, { now, expiresAt: e.expiresAt });
      assert.deepEqual(commands, ["WATCH", "MGET", "MULTI", "DEL", "SET", "EXEC"], "logout (remove)");
      reset();
      const cli = family(now);
      await sessions.register(user, cli, { max: 10, now });
      reset();
      await sessions.advance(user, cli.sessionId, { generation: 1, now, reuseInterval: 0, endParent: true });
      assert.deepEqual(commands, ["WATCH", "GET", "MULTI", "SET", "EXEC"], "refresh (advance)");
      reset();

      const [key, sessionId] = [id(), id()];
      await records.create(key, { sessionId, data: "{}", expiresAt: now + HOUR }, { now, maxBytes: 1024 });
      assert.deepEqual(commands, ["SET"], "create");
      reset();
      await records.get(key, { now });
      assert.deepEqual(commands, ["GET"], "read");
      reset();
      await records.patch(
        key,
        { sessionId, patch: { set: [[["n"], "1"]], del: [] }, expiresAt: now + HOUR },
        { now, maxBytes: 1024 },
      );
      assert.deepEqual(commands, ["WATCH", "GET", "MULTI", "SET", "EXEC"], "patch");
      reset();
      await records.touch(key, sessionId, { now, expiresAt: now + 2 * HOUR });
      assert.deepEqual(commands, ["WATCH", "GET", "MULTI", "SET", "EXEC"], "idle refresh (touch)");
      reset();
      await records.delete(key, { now });
      assert.deepEqual(commands, ["DEL"], "delete");
    },
  );

  t.test(`${label}: options are checked when a backend is built, naming the option`, async () => {
    const redis = await client();
    assert.throws(() => redisRegistry(redis, {} as never), { code: "invalid_config", message: /namingKey/ });
    assert.throws(() => redisRegistry(redis, { namingKey: "short" }), { code: "invalid_config" });
    assert.throws(() => redisRegistry(redis, { namingKey: NAMING_KEY, prefix: "{x}" }), {
      code: "invalid_config",
    });
    assert.throws(() => redisStore(redis, { attempts: 0 }), { code: "invalid_config", message: /attempts/ });
    assert.throws(() => redisStore(redis, { margin: -1 }), { code: "invalid_config", message: /margin/ });
    assert.throws(() => redisStore({} as never), /redisStore\(client\) needs a Redis client/);
    assert.throws(() => redisRegistry({} as never, { namingKey: NAMING_KEY }), /redisRegistry\(client\)/);
  });
}

async function visit(sessions: Manager, jar: Jar, act?: (session: Session<Data>) => void) {
  const session = await sessions.load(jar.request());
  act?.(session);
  const headers = new Headers();
  const result = await sessions.commit(session, headers);
  return { session, result, written: jar.apply(headers) };
}

function copy(jar: Jar): Jar {
  const twin = new Jar();
  for (const name of jar.names()) twin.set(name, jar.get(name) ?? "");
  return twin;
}

/** How an operation during an outage ended: it landed, or the app got a typed error (`code`). */
type Outcome = { readonly ok: true } | { readonly ok: false; readonly code: string };

async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    await run();
    return { ok: true };
  } catch (error) {
    // Anything but the library's typed errors fails the test (it would be a 500).
    if (!(error instanceof SessionError)) throw error;
    return { ok: false, code: error.code };
  }
}

/**
 * Redis goes down in the middle of a run and comes back, with the registry and the data store on
 * it: loads never throw and fail closed, every write either lands or is a typed error, and the same
 * manager and client work again once Redis is back. `server` must persist its data across a restart
 * (AOF), so that what a write reported can be checked afterwards.
 */
export function redisStateFaults(
  t: Suite,
  server: ControlledServer,
  connect: () => Promise<RedisConnection>,
  label: string,
): void {
  const run = onFreshClient(server, connect);
  const manager = (client: RedisClientLike, timeout = 60_000) =>
    createSessions<Data>({
      secrets,
      maxAge: 3600,
      // Far above any answer: a failure that arrives as an error did not wait for it.
      registry: {
        store: redisRegistry(client, { namingKey: NAMING_KEY, prefix: prefixOf(), checkEviction: false }),
        timeout,
      },
      store: {
        store: redisStore(client, { prefix: prefixOf(), checkEviction: false }),
        mode: "always",
        timeout,
      },
    }) as Manager;
  const unavailable = (session: Session<Data>) =>
    session.invalidReason === "revocation_unavailable" || session.invalidReason === "store_unavailable";

  t.test(
    `${label}: Redis stops mid-run (registry and store): reads fail closed, writes land or are typed errors; back, it recovers`,
    () =>
      run(async (client) => {
        const sessions = manager(client);
        const user = `ada-${id()}`;
        const ada = new Jar();
        await visit(sessions, ada, (s) => {
          s.login(user);
          s.data.cart = {};
        });
        // Requests in flight while the server goes away: cart lines, logins and listings.
        const lines: { sku: string; outcome: Promise<Outcome> }[] = [];
        const logins: { user: string; jar: Jar; outcome: Promise<Outcome> }[] = [];
        const listings: Promise<Outcome>[] = [];
        let stopped: Promise<void> | undefined;
        let gone = false;
        let after = 0;
        // A request every few ms; the server goes away after the tenth started, and requests keep
        // coming until it is gone and for six more: some land before, some meet the outage.
        for (let i = 0; after < 6; i++) {
          if (i === 10)
            stopped = server.stop().then(() => {
              gone = true;
            });
          if (gone) after++;
          await new Promise((resolve) => setTimeout(resolve, 3));
          if (i % 3 === 0) {
            const sku = `sku-${i}`;
            lines.push({
              sku,
              outcome: outcome(async () => {
                const session = await sessions.load(ada.request());
                if (unavailable(session)) throw new SessionError("store_unavailable", "read failed closed");
                session.data.cart = { ...session.data.cart, [sku]: i };
                await sessions.commit(session, new Headers());
              }),
            });
          } else if (i % 3 === 1) {
            const jar = new Jar();
            const name = `grace-${i}-${id()}`;
            logins.push({
              user: name,
              jar,
              outcome: outcome(() => visit(sessions, jar, (s) => s.login(name))),
            });
          } else listings.push(outcome(() => sessions.listSessions(user)));
        }
        await stopped;
        const settled = await Promise.allSettled([
          ...lines.map((l) => l.outcome),
          ...logins.map((l) => l.outcome),
          ...listings,
        ]);
        assert.deepEqual(
          settled.filter((s) => s.status === "rejected"),
          [],
          "every operation landed or was a typed error",
        );
        const outcomes = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
        assert.ok(
          outcomes.some((o) => o.ok),
          "some landed before the outage",
        );
        assert.ok(
          outcomes.some((o) => !o.ok),
          "some met the outage",
        );
        for (const s of settled) {
          if (s.status === "fulfilled" && !s.value.ok) {
            assert.ok(
              [
                "store_unavailable",
                "store_write_failed",
                "login_unavailable",
                "registry_unavailable",
              ].includes(s.value.code),
              s.value.code,
            );
          }
        }

        // While it is down: a load fails closed at once and keeps the cookie; writes are typed errors.
        const cookie = ada.header;
        const down = await visit(sessions, ada);
        assert.ok(unavailable(down.session), String(down.session.invalidReason));
        assert.equal(down.session.readOnly, true);
        assert.deepEqual(down.written, [], "the cookie is kept through the outage");
        assert.equal(ada.header, cookie);
        assert.deepEqual(await outcome(() => visit(sessions, new Jar(), (s) => s.login(`eve-${id()}`))), {
          ok: false,
          code: "login_unavailable",
        });
        assert.deepEqual(await outcome(() => sessions.listSessions(user)), {
          ok: false,
          code: "registry_unavailable",
        });
        const moving = await sessions.load(new Request("https://example.com/"));
        moving.data.cart = { pen: 1 };
        assert.deepEqual(await outcome(() => sessions.commit(moving, new Headers())), {
          ok: false,
          code: "store_write_failed",
        });

        // Back (with its data): the same manager and client work, and every write reported done is there.
        await server.start();
        const back = await untilAnswered(() => sessions.load(ada.request()), unavailable);
        assert.equal(back.invalidReason, undefined, "the session survived the outage");
        assert.equal(back.userId, user);
        for (const line of lines) {
          if ((await line.outcome).ok) assert.ok(line.sku in (back.data.cart ?? {}), `${line.sku} landed`);
        }
        for (const login of logins) {
          if (!(await login.outcome).ok) continue;
          const loaded = await untilAnswered(() => sessions.load(login.jar.request()), unavailable);
          assert.equal(loaded.userId, login.user, "a login reported done is registered");
        }
        const added = await untilAnswered(
          () =>
            outcome(async () => {
              const session = await sessions.load(ada.request());
              if (unavailable(session)) throw new SessionError("store_unavailable", "not yet");
              session.data.cart = { ...session.data.cart, after: 1 };
              await sessions.commit(session, new Headers());
            }),
          (o) => !o.ok,
        );
        assert.deepEqual(added, { ok: true }, "writes work again");
        const listed = await untilAnswered(
          () => outcome(() => sessions.listSessions(user)),
          (o) => !o.ok,
        );
        assert.deepEqual(listed, { ok: true });
        const login = new Jar();
        const name = `heidi-${id()}`;
        assert.deepEqual(
          await untilAnswered(
            () => outcome(() => visit(sessions, login, (s) => s.login(name))),
            (o) => !o.ok,
          ),
          { ok: true },
        );
        assert.equal((await untilAnswered(() => sessions.load(login.request()), unavailable)).userId, name);
      }),
  );

  t.test(`${label}: a logout while Redis is down clears the cookie, and the entry ends once it is back`, () =>
    run(async (client) => {
      const sessions = manager(client);
      const user = `ada-${id()}`;
      const ada = new Jar();
      await visit(sessions, ada, (s) => {
        s.login(user);
        s.data.n = 1;
      });
      const stolen = copy(ada);
      const session = await sessions.load(ada.request());
      session.destroy();
      await server.stop();
      const headers = new Headers();
      const { revocationError } = await sessions.commit(session, headers);
      ada.apply(headers);
      assert.deepEqual(ada.names(), [], "the local logout happened");
      assert.equal(revocationError?.code, "revocation_write_failed", "and the app is told the rest did not");
      await server.start();
      // The entry is still there (the write failed); ending it by its handle works once Redis answers.
      const listed = await untilAnswered(
        () => sessions.listSessions(user).catch(() => undefined),
        (l) => l === undefined,
      );
      assert.equal(listed?.length, 1);
      // A pool reconnects its connections one by one: the next call may meet one still offline.
      const ended = await untilAnswered(
        () => sessions.endSession(user, listed?.[0]?.id ?? "").catch(() => undefined),
        (outcome) => outcome === undefined,
      );
      assert.equal(ended, true);
      const replayed = await untilAnswered(() => sessions.load(stolen.request()), unavailable);
      assert.equal(replayed.invalidReason, "revoked");
    }),
  );

  t.test(`${label}: a stalled Redis fails closed at the manager's timeout (registry and store)`, () =>
    run(async (client) => {
      const sessions = manager(client, 300);
      const ada = new Jar();
      await visit(sessions, ada, (s) => {
        s.login(`ada-${id()}`);
        s.data.n = 1;
      });
      server.pause();
      try {
        const loaded = await sessions.load(ada.request());
        assert.ok(unavailable(loaded), String(loaded.invalidReason));
        assert.equal(loaded.readOnly, true);
      } finally {
        server.resume();
      }
    }),
  );
}
