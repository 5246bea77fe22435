/**
 * Conformance kit, Redis: the revocation kit (revocationConformance, managerRevocation) over
 * `redisRevocationStore`, plus what only a Redis backend can show — key names, TTLs, atomic "later
 * cutoff wins", the commands each operation costs, and that a transaction never leaves a WATCH behind.
 * Runs on every runtime (test/runtimes/redis.ts) and client (node-redis, ioredis, Bun's), against a
 * real redis-server; Node 24 also runs it from test/redis/revocation.test.ts with the fault tests.
 * Every test uses its own key prefix, so runs sharing a server never collide.
 */
import assert from "node:assert/strict";
import { createSessions, generateSecret, type RevocationErrorEvent } from "sealed-session";
import { type RedisClientLike, redisRevocationStore } from "sealed-session/revocation";
import type { Suite } from "../harness.ts";
import { clock, Jar } from "../support/http.ts";
import { managerRevocation } from "./revocation-manager.ts";
import { revocationConformance } from "./revocation-store.ts";

/** A connected client and how to close it. */
export interface RedisConnection {
  readonly client: RedisClientLike;
  close(): Promise<void>;
}

/** One kind of client (node-redis, ioredis, Bun's) over the server under test. */
export interface RedisTarget {
  /** The client the cases share: connected on first use; whoever made the target closes it. */
  client(): Promise<RedisClientLike>;
  /** A new client whose transactions all use one connection; the case closes it. */
  single(): Promise<RedisConnection>;
}

/** Every command a client sends, by name, including those on its isolated connections. */
export function counting(client: RedisClientLike) {
  const commands: string[] = [];
  const note = (args: readonly string[]) => commands.push(String(args[0]).toUpperCase());
  const counted: RedisClientLike = {
    command(args) {
      note(args);
      return client.command(args);
    },
    isolated(key, fn) {
      return client.isolated(key, (connection) =>
        fn({
          command(args) {
            note(args);
            return connection.command(args);
          },
        }),
      );
    },
  };
  return { client: counted, commands, reset: () => void commands.splice(0) };
}

const id = () => crypto.randomUUID().replaceAll("-", "").slice(0, 22);
const prefixOf = () => `t-${id().slice(0, 10)}:`;
const DAY = 86_400_000;

/** All keys under `prefix`, read with SCAN (the stores themselves never list). */
export async function scan(client: RedisClientLike, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const reply = (await client.command(["SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "1000"])) as [
      string,
      string[],
    ];
    cursor = String(reply[0]);
    found.push(...reply[1].map(String));
  } while (cursor !== "0");
  return found.sort();
}

export function redisConformance(t: Suite, target: RedisTarget, label: string): void {
  const client = () => target.client();
  const store = async (now: () => number) =>
    redisRevocationStore(await client(), { now, prefix: prefixOf(), checkEviction: false });
  revocationConformance(t, store, `${label} redis store`);
  managerRevocation(t, store, `${label} redis store`);

  t.test(`${label}: keys are prefixed and tagged, carry no user id, and expire from until`, async () => {
    const redis = await client();
    const prefix = prefixOf();
    const now = Date.now();
    const revocations = redisRevocationStore(redis, { prefix, checkEviction: false, margin: 60 });
    const user = `lovelace-${id()}@example.com`;
    const [withUser, anonymous] = [id(), id()];
    await revocations.revokeSession({ sessionId: withUser, userId: user, until: now + 3_600_000 });
    await revocations.revokeSession({ sessionId: anonymous, until: now + 7_200_000 });
    await revocations.revokeUser({ userId: user, cutoff: now, until: now + DAY });
    const keys = await scan(redis, prefix);
    assert.equal(keys.length, 3, keys.join(", "));
    for (const key of keys) {
      assert.ok(key.startsWith(prefix), key);
      assert.ok(!key.includes("lovelace") && !key.includes("example.com"), `no user id in ${key}`);
    }
    const tag = (key: string) => key.slice(key.indexOf("{"), key.indexOf("}") + 1);
    const userKey = keys.find((key) => key.endsWith("}:u")) ?? "";
    const sessionKey = keys.find((key) => key.endsWith(`:s:${withUser}`)) ?? "";
    const anonymousKey = keys.find((key) => key.endsWith("}:s")) ?? "";
    assert.equal(tag(userKey), tag(sessionKey), "a user's keys share one hash tag (one Cluster slot)");
    assert.equal(anonymousKey, `${prefix}{${anonymous}}:s`);
    assert.equal(await redis.command(["GET", sessionKey]), String(now + 3_600_000));
    assert.equal(await redis.command(["GET", userKey]), `${now}:${now + DAY}`);
    // PX is the fact's remaining life plus the margin, counted by Redis from the write.
    const ttl = async (key: string) => Number(await redis.command(["PTTL", key]));
    const within = (ms: number, expected: number) => ms > expected - 60_000 && ms <= expected;
    assert.ok(within(await ttl(sessionKey), 3_600_000 + 60_000), `session TTL ${await ttl(sessionKey)}`);
    assert.ok(within(await ttl(anonymousKey), 7_200_000 + 60_000));
    assert.ok(within(await ttl(userKey), DAY + 60_000));
  });

  t.test(`${label}: a fact whose time has passed is not written`, async () => {
    const redis = await client();
    const prefix = prefixOf();
    const now = Date.now();
    const revocations = redisRevocationStore(redis, { prefix, checkEviction: false, margin: 0 });
    await revocations.revokeSession({ sessionId: id(), until: now - 1000 });
    await revocations.revokeUser({ userId: `user-${id()}`, cutoff: now - DAY, until: now - 1000 });
    assert.deepEqual(await scan(redis, prefix), []);
  });

  t.test(`${label}: concurrent revokeUser calls keep the latest cutoff and the latest until`, async () => {
    const redis = await client();
    const prefix = prefixOf();
    const now = Date.now();
    const user = `user-${id()}`;
    const cutoffs = Array.from({ length: 20 }, (_, i) => now - i * 1000).sort(() => Math.random() - 0.5);
    // Separate store objects, as separate processes would have; the largest until comes with the oldest cutoff.
    await Promise.all(
      cutoffs.map((cutoff) =>
        redisRevocationStore(redis, { prefix, checkEviction: false }).revokeUser({
          userId: user,
          cutoff,
          until: cutoff + DAY + (now - cutoff) * 2,
        }),
      ),
    );
    const [key] = await scan(redis, prefix);
    assert.equal(await redis.command(["GET", key as string]), `${now}:${now + DAY + 19_000}`);
    const revocations = redisRevocationStore(redis, { prefix, checkEviction: false });
    assert.equal(await revocations.isRevoked({ sessionId: id(), userId: user, issuedAt: now }), true);
    assert.equal(await revocations.isRevoked({ sessionId: id(), userId: user, issuedAt: now + 1 }), false);
    // An older cutoff arriving late changes nothing.
    await revocations.revokeUser({ userId: user, cutoff: now - 5000, until: now + DAY });
    assert.equal(await revocations.isRevoked({ sessionId: id(), userId: user, issuedAt: now }), true);
  });

  t.test(`${label}: a value the store did not write fails the check instead of passing it`, async () => {
    const redis = await client();
    const prefix = prefixOf();
    const revocations = redisRevocationStore(redis, { prefix, checkEviction: false });
    const [user, session] = [`user-${id()}`, id()];
    await revocations.revokeUser({ userId: user, cutoff: 1, until: Date.now() + DAY });
    await revocations.revokeSession({ sessionId: session, userId: user, until: Date.now() + DAY });
    for (const key of await scan(redis, prefix)) await redis.command(["SET", key, "garbage"]);
    await assert.rejects(revocations.isRevoked({ sessionId: id(), userId: user, issuedAt: 0 }), TypeError);
    await assert.rejects(revocations.isRevoked({ sessionId: session, userId: user, issuedAt: 0 }), TypeError);
  });

  t.test(`${label}: commands per operation: check 1, logout 1, revokeUser 5 (3 when older)`, async () => {
    const { client: counted, commands, reset } = counting(await client());
    const revocations = redisRevocationStore(counted, { prefix: prefixOf(), checkEviction: false });
    const [user, now] = [`user-${id()}`, Date.now()];
    await revocations.isRevoked({ sessionId: id(), userId: user, issuedAt: now });
    assert.deepEqual(commands, ["MGET"], "a logged-in check");
    reset();
    await revocations.isRevoked({ sessionId: id(), userId: undefined, issuedAt: now });
    assert.deepEqual(commands, ["MGET"], "an anonymous check");
    reset();
    await revocations.revokeSession({ sessionId: id(), userId: user, until: now + DAY });
    assert.deepEqual(commands, ["SET"], "a logout");
    reset();
    await revocations.revokeUser({ userId: user, cutoff: now, until: now + DAY });
    assert.deepEqual(commands, ["WATCH", "GET", "MULTI", "SET", "EXEC"], "log out everywhere");
    reset();
    await revocations.revokeUser({ userId: user, cutoff: now - 1, until: now + DAY });
    assert.deepEqual(commands, ["WATCH", "GET", "UNWATCH"], "an older cutoff: nothing to write");
  });

  t.test(`${label}: through the manager, a logged-in request costs 1 command and a logout 2`, async () => {
    const { client: counted, commands, reset } = counting(await client());
    const time = clock(Date.now());
    const sessions = createSessions({
      secrets: generateSecret(),
      now: time.now,
      revocation: {
        store: redisRevocationStore(counted, { prefix: prefixOf(), now: time.now, checkEviction: false }),
        timeout: 60_000,
      },
    });
    const jar = new Jar();
    const first = await sessions.load(jar.request());
    assert.deepEqual(commands, [], "an anonymous request is not checked");
    first.login(`ada-${id()}`);
    const headers = new Headers();
    await sessions.commit(first, headers);
    jar.apply(headers);
    assert.deepEqual(commands, [], "a login over an anonymous session writes nothing");
    const again = await sessions.load(jar.request());
    assert.equal(again.invalidReason, undefined);
    assert.deepEqual(commands, ["MGET"], "a logged-in request");
    reset();
    const leaving = await sessions.load(jar.request());
    leaving.destroy();
    await sessions.commit(leaving, new Headers());
    assert.deepEqual(commands, ["MGET", "SET"], "a logout request");
    reset();
    await sessions.revokeUser(`grace-${id()}`);
    assert.deepEqual(commands, ["WATCH", "GET", "MULTI", "SET", "EXEC"], "log out everywhere");
  });

  t.test(`${label}: a transaction that failed leaves no WATCH on its pooled connection`, async () => {
    // One isolated connection, so the next transaction gets the very connection the failed one used.
    const connection = await target.single();
    try {
      await leavesNoWatch(connection.client);
    } finally {
      await connection.close();
    }
  });
}

async function leavesNoWatch(client: RedisClientLike): Promise<void> {
  const { client: single, commands, reset } = counting(client);
  const prefix = prefixOf();
  const revocations = redisRevocationStore(single, { prefix, checkEviction: false });
  const [ada, grace] = [`ada-${id()}`, `grace-${id()}`];
  await revocations.revokeUser({ userId: ada, cutoff: 1, until: Date.now() + DAY });
  const [adaKey] = await scan(single, prefix);
  await single.command(["SET", adaKey as string, "garbage"]);
  // WATCH, GET, then the unreadable value throws before MULTI.
  await assert.rejects(revocations.revokeUser({ userId: ada, cutoff: 2, until: Date.now() + DAY }));
  // The key it watched changes; a leftover WATCH would abort the next EXEC on that connection.
  await single.command(["SET", adaKey as string, "changed"]);
  reset();
  await revocations.revokeUser({ userId: grace, cutoff: 1, until: Date.now() + DAY });
  assert.deepEqual(commands, ["WATCH", "GET", "MULTI", "SET", "EXEC"], "one attempt, not a retry");
}

/** The server under a fault test: it can be stopped, started again and stalled. */
export interface ControlledServer {
  stop(): Promise<void>;
  start(): Promise<void>;
  pause(): void;
  resume(): void;
}

/**
 * Repeats `attempt` every 50 ms while `failed` says Redis has not answered yet — a client reconnects on
 * its own schedule (a backoff), a pool its connections one by one — for at most `ms` (by the clock, not
 * a count of tries: on a loaded machine each try may itself wait for the manager's timeout).
 */
export async function untilAnswered<T>(
  attempt: () => Promise<T>,
  failed: (outcome: T) => boolean,
  ms = 60_000,
) {
  const deadline = Date.now() + ms;
  let outcome = await attempt();
  while (failed(outcome) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    outcome = await attempt();
  }
  return outcome;
}

/** Runs a fault case on a client of its own, closed after it; the server is started again if it was stopped. */
export function onFreshClient(server: ControlledServer, connect: () => Promise<RedisConnection>) {
  return async (body: (client: RedisClientLike) => Promise<void>) => {
    const connection = await connect();
    try {
      await body(connection.client);
    } finally {
      await connection.close();
      await server.start(); // a no-op when it runs
    }
  };
}

/**
 * Redis goes down in the middle of a run and comes back: loads never throw and fail closed at once
 * (an error, not a timeout: the client does not queue), writes return the typed error, and the same
 * manager and client work again once Redis is back. The server is this suite's own; `connect` makes
 * a client as docs/redis.md recommends (no offline queue).
 */
export function redisFaults(
  t: Suite,
  server: ControlledServer,
  connect: () => Promise<RedisConnection>,
  label: string,
): void {
  const run = onFreshClient(server, connect);
  const manager = (client: RedisClientLike, events: RevocationErrorEvent[], timeout = 60_000) =>
    createSessions({
      secrets,
      revocation: {
        store: redisRevocationStore(client, { prefix: prefixOf(), checkEviction: false }),
        // Far above any answer: a failure that arrives as an "error" event did not wait for it.
        timeout,
        onStoreError: (event) => void events.push(event),
      },
    });

  t.test(`${label}: Redis stops mid-run: loads fail closed at once, writes report typed errors`, () =>
    run(async (client) => {
      const events: RevocationErrorEvent[] = [];
      const sessions = manager(client, events);
      const ada = await loginAs(sessions, `ada-${id()}`);
      const grace = await loginAs(sessions, `grace-${id()}`);
      // Requests in flight while the server goes away: every one settles without throwing.
      const inFlight = Array.from({ length: 30 }, (_, i) =>
        roundTrip(sessions, i % 3 === 0 ? copy(ada) : copy(grace), (session) => {
          if (i % 5 === 0) session.destroy();
        }),
      );
      await server.stop();
      const settled = await Promise.allSettled(inFlight);
      assert.deepEqual(
        settled.filter((outcome) => outcome.status === "rejected"),
        [],
        "no request threw",
      );
      events.length = 0;

      const loaded = await roundTrip(sessions, copy(ada));
      assert.equal(loaded.session.invalidReason, "revocation_unavailable");
      assert.equal(loaded.session.readOnly, true);
      assert.deepEqual(loaded.written, [], "the cookie is kept through the outage");
      const logout = await roundTrip(sessions, ada, (session) => session.destroy());
      assert.equal(
        logout.result.revocationError,
        undefined,
        "its load failed: nothing to revoke, cookie cleared",
      );
      assert.deepEqual(ada.names(), []);
      await assert.rejects(sessions.revokeUser(`grace-${id()}`), { code: "revocation_write_failed" });
      assert.deepEqual(
        events.map(({ operation, kind }) => [operation, kind]),
        [
          ["check", "error"],
          ["check", "error"],
          ["revokeUser", "error"],
        ],
      );
    }),
  );

  t.test(`${label}: a logout whose revocation write fails clears the cookie and says so`, () =>
    run(async (client) => {
      const events: RevocationErrorEvent[] = [];
      const sessions = manager(client, events);
      const ada = await loginAs(sessions, `ada-${id()}`);
      // Loaded while Redis is up, committed after it went down.
      const session = await sessions.load(ada.request());
      session.destroy();
      await server.stop();
      const headers = new Headers();
      const { revocationError } = await sessions.commit(session, headers);
      ada.apply(headers);
      assert.equal(revocationError?.code, "revocation_write_failed");
      assert.deepEqual(ada.names(), [], "the local logout happened");
      assert.deepEqual(
        events.map(({ operation, kind }) => [operation, kind]),
        [["revokeSession", "error"]],
      );
    }),
  );

  t.test(`${label}: once Redis is back, the same manager and client work without a restart`, () =>
    run(async (client) => {
      const events: RevocationErrorEvent[] = [];
      const sessions = manager(client, events);
      const ada = await loginAs(sessions, `ada-${id()}`);
      await server.stop();
      assert.equal((await sessions.load(ada.request())).invalidReason, "revocation_unavailable");
      await server.start();
      // The client reconnects on its own schedule (a backoff), a pool's connections one by one: until
      // then a load fails closed and a write fails typed. Each step is retried until Redis answers.
      const load = (jar: Jar) =>
        untilAnswered(
          () => sessions.load(jar.request()),
          (session) => session.invalidReason === "revocation_unavailable",
        );
      const loaded = await load(ada);
      assert.equal(loaded.invalidReason, undefined, "the session survived the outage");
      assert.match(loaded.userId ?? "", /^ada-/);
      const stolen = copy(ada);
      const logout = await untilAnswered(
        () => roundTrip(sessions, copy(stolen), (session) => session.destroy()),
        ({ session, result }) =>
          session.invalidReason === "revocation_unavailable" || result.revocationError !== undefined,
      );
      assert.equal(logout.result.revocationError, undefined);
      assert.equal((await load(stolen)).invalidReason, "revoked");
      const grace = `grace-${id()}`;
      const device = await loginAs(sessions, grace);
      const revoked = await untilAnswered(
        () =>
          sessions.revokeUser(grace).then(
            () => undefined,
            (error: { code?: string }) => error.code,
          ),
        (code) => code !== undefined,
      );
      assert.equal(revoked, undefined, "revokeUser works again");
      assert.equal((await load(device)).invalidReason, "revoked");
    }),
  );

  t.test(`${label}: a stalled Redis (no answer at all) fails closed at the manager's timeout`, () =>
    run(async (client) => {
      const events: RevocationErrorEvent[] = [];
      const sessions = manager(client, events, 300);
      const ada = await loginAs(sessions, `ada-${id()}`);
      server.pause();
      try {
        const loaded = await sessions.load(ada.request());
        assert.equal(loaded.invalidReason, "revocation_unavailable");
        assert.deepEqual(
          events.map(({ operation, kind }) => [operation, kind]),
          [["check", "timeout"]],
        );
      } finally {
        server.resume();
      }
    }),
  );
}

const secrets = generateSecret();

async function loginAs(sessions: ReturnType<typeof createSessions>, user: string): Promise<Jar> {
  const jar = new Jar();
  await roundTrip(sessions, jar, (session) => session.login(user));
  return jar;
}

async function roundTrip(
  sessions: ReturnType<typeof createSessions>,
  jar: Jar,
  act?: (session: Awaited<ReturnType<ReturnType<typeof createSessions>["load"]>>) => void,
) {
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
