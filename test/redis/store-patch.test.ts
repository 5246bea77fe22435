// The Redis data store's write path: a patch, or an idle refresh's touch, is one round trip (a script
// that replaces the record only if it is still the one the request read), and falls back to a
// WATCH/MULTI check-and-set when the record changed in between or when the server refuses scripts.
// Counted by Redis (INFO commandstats).
import assert from "node:assert/strict";
import { createClient } from "redis";
import { createSessions, generateSecret, type Session, type Sessions, StoreWriteError } from "sealed-session";
import { nodeRedisClient, type RedisClientLike, redisStore } from "sealed-session/store";
import { afterAll, beforeAll, describe, it } from "vitest";
import { clock, Jar } from "../support/http.ts";
import { countCommands, startRedisServer } from "../support/redis-server.ts";

type Data = { cart?: Record<string, number> };
const secrets = generateSecret();

// A clock of the tests' own, so that an idle refresh (past refreshAfter, idleTimeout / 10) is due on demand.
const time = clock(Date.now());

/** A manager whose every session with data lives in a Redis store on `client`. */
const managerOn = (client: RedisClientLike) =>
  createSessions<Data>({
    secrets,
    idleTimeout: 600,
    now: time.now,
    store: { store: redisStore(client, { checkEviction: false }), mode: "always" },
  }) as Sessions<Data, Record<string, unknown>>;

async function serverAndClient(args: readonly string[] = []) {
  const server = await startRedisServer({ args });
  const raw = createClient({ url: server.url, disableOfflineQueue: true });
  raw.on("error", () => {});
  await raw.connect();
  const sessions = managerOn(nodeRedisClient(raw));
  return { server, raw, sessions };
}

/** A server of the enclosing describe's own, started before its tests and stopped after them. */
function ownServer(args: readonly string[] = []) {
  let setup: Awaited<ReturnType<typeof serverAndClient>> | undefined;
  beforeAll(async () => {
    setup = await serverAndClient(args);
  });
  afterAll(async () => {
    setup?.raw.destroy();
    await setup?.server.stop();
  });
  return () => setup!;
}

async function visit(
  sessions: Sessions<Data, Record<string, unknown>>,
  jar: Jar,
  act?: (s: Session<Data>) => void,
) {
  const session = await sessions.load(jar.request());
  act?.(session);
  const headers = new Headers();
  await sessions.commit(session, headers);
  jar.apply(headers);
  return session;
}

describe("a Redis that runs scripts", () => {
  const setup = ownServer();

  it("a change is one script call after the read: no WATCH, no MULTI", async () => {
    const { server, sessions } = setup();
    const jar = new Jar();
    await visit(sessions, jar, (s) => {
      s.data.cart = { tea: 1 };
    });
    const counts = await countCommands(server, () =>
      visit(sessions, jar, (s) => {
        s.data.cart = { ...s.data.cart, pen: 2 };
      }),
    );
    // The load's GET, then EVAL (whose GET and SET Redis counts as commands of their own).
    assert.deepEqual(counts, { get: 2, eval: 1, set: 1 });
    assert.deepEqual((await visit(sessions, jar)).data.cart, { tea: 1, pen: 2 });
  });

  it("a record changed since the read: the script refuses, the check-and-set patches what is there", async () => {
    const { server, sessions } = setup();
    const jar = new Jar();
    await visit(sessions, jar, (s) => {
      s.data.cart = { tea: 1 };
    });
    // Two requests read the same record; the first to commit changes it under the second.
    const first = await sessions.load(jar.request());
    const second = await sessions.load(jar.request());
    first.data.cart = { ...first.data.cart, pen: 2 };
    second.data.cart = { ...second.data.cart, ink: 3 };
    await sessions.commit(first, new Headers());
    const counts = await countCommands(server, () => sessions.commit(second, new Headers()));
    assert.equal(counts.eval, 1, "the script was tried");
    assert.equal(counts.watch, 1, "then the check-and-set ran");
    assert.equal(counts.exec, 1);
    assert.deepEqual((await visit(sessions, jar)).data.cart, { tea: 1, pen: 2, ink: 3 }, "both landed");
  });

  it("a record past 4,096 characters goes to the script as its SHA-1: one call still, and a change under it is still seen", async () => {
    const { server, sessions } = setup();
    const jar = new Jar();
    const big = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`item-${i}`, i]));
    await visit(sessions, jar, (s) => {
      s.data.cart = big;
    });
    const counts = await countCommands(server, () =>
      visit(sessions, jar, (s) => {
        s.data.cart = { ...s.data.cart, pen: 2 };
      }),
    );
    assert.deepEqual(counts, { get: 2, eval: 1, set: 1 });
    const first = await sessions.load(jar.request());
    const second = await sessions.load(jar.request());
    first.data.cart = { ...first.data.cart, ink: 3 };
    second.data.cart = { ...second.data.cart, tea: 4 };
    await sessions.commit(first, new Headers());
    const raced = await countCommands(server, () => sessions.commit(second, new Headers()));
    assert.equal(raced.eval, 1, "the script was tried");
    assert.equal(raced.watch, 1, "and refused: the check-and-set ran");
    assert.deepEqual(
      (await visit(sessions, jar)).data.cart,
      { ...big, pen: 2, ink: 3, tea: 4 },
      "all landed",
    );
  });

  it("an idle refresh is one script call after the read too; a record changed since the read gets the check-and-set", async () => {
    const { server, sessions } = setup();
    const jar = new Jar();
    await visit(sessions, jar, (s) => {
      s.data.cart = { tea: 1 };
    });
    time.advance(120);
    const counts = await countCommands(server, () => visit(sessions, jar));
    assert.deepEqual(counts, { get: 2, eval: 1, set: 1 });
    time.advance(120);
    const first = await sessions.load(jar.request());
    const second = await sessions.load(jar.request());
    first.data.cart = { ...first.data.cart, pen: 2 };
    await sessions.commit(first, new Headers());
    // The second request changed nothing: its commit is an idle refresh, of a record that moved on.
    const raced = await countCommands(server, () => sessions.commit(second, new Headers()));
    assert.equal(raced.eval, 1, "the script was tried");
    assert.equal(raced.watch, 1, "and refused: the check-and-set ran");
    assert.deepEqual(
      (await visit(sessions, jar)).data.cart,
      { tea: 1, pen: 2 },
      "the first one's change stays",
    );
  });
});

describe("a script call that fails for another reason", () => {
  const setup = ownServer();

  it("is the write's failure (StoreWriteError), never tried a second way: it may have landed", async () => {
    const { server, raw } = setup();
    const client = nodeRedisClient(raw);
    const flaky = {
      // The reply is lost after Redis ran the script.
      command: async (args: readonly string[]) => {
        const reply = await client.command(args);
        if (args[0] === "EVAL") throw new Error("Socket closed unexpectedly");
        return reply;
      },
      isolated: client.isolated.bind(client),
    };
    const sessions = managerOn(flaky);
    const jar = new Jar();
    await visit(sessions, jar, (s) => {
      s.data.cart = { tea: 1 };
    });
    const session = await sessions.load(jar.request());
    session.data.cart = { tea: 2 };
    const headers = new Headers();
    const counts = await countCommands(server, () =>
      assert.rejects(sessions.commit(session, headers), StoreWriteError),
    );
    assert.equal(counts.watch, undefined, "no second try");
    assert.deepEqual(headers.getSetCookie(), []);
  });
});

describe("a Redis that refuses scripts (EVAL renamed away)", () => {
  const setup = ownServer(["--rename-command", "EVAL", ""]);

  it("every change still lands, through the check-and-set; the script is not tried again", async () => {
    const { server, raw } = setup();
    // The same store, with its client's EVAL calls counted.
    const client = nodeRedisClient(raw);
    let evals = 0;
    const counting = {
      command: (args: readonly string[]) => {
        if (args[0] === "EVAL") evals++;
        return client.command(args);
      },
      isolated: client.isolated.bind(client),
    };
    const sessions = managerOn(counting);
    const jar = new Jar();
    await visit(sessions, jar, (s) => {
      s.data.cart = { tea: 1 };
    });
    const counts = await countCommands(server, () =>
      visit(sessions, jar, (s) => {
        s.data.cart = { ...s.data.cart, pen: 2 };
      }),
    );
    assert.equal(counts.eval, undefined);
    assert.equal(counts.watch, 1);
    assert.deepEqual((await visit(sessions, jar)).data.cart, { tea: 1, pen: 2 });
    await visit(sessions, jar, (s) => {
      s.data.cart = { ...s.data.cart, ink: 3 };
    });
    assert.equal(evals, 1, "refused once, then the check-and-set only");
    assert.deepEqual((await visit(sessions, jar)).data.cart, { tea: 1, pen: 2, ink: 3 });
  });
});
