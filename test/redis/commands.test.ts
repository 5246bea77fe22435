// What Redis itself counts per operation (INFO commandstats) for the registry and the data store
// through the session manager, on a server of this file's own — the table in docs/redis.md
// ("Commands per operation") is this test's output. When an operation's cost changes, rewrite it:
//   WRITE_DOCS=1 npx vitest run --project node test/redis/commands.test.ts
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createClient } from "redis";
import { createSessions, generateSecret, type Session, type Sessions } from "sealed-session";
import { nodeRedisClient, redisRegistry } from "sealed-session/registry";
import { redisStore } from "sealed-session/store";
import { afterAll, beforeAll, it } from "vitest";
import { NAMING_KEY } from "../kit/redis-state.ts";
import { clock, Jar } from "../support/http.ts";
import { countCommands, type RedisServer, startRedisServer } from "../support/redis-server.ts";

const DOCS = new URL("../../docs/redis.md", import.meta.url);
const START = "<!-- redis-commands:start -->";
const END = "<!-- redis-commands:end -->";
/** The order commands are listed in: reads, then a transaction's, then plain writes. */
const ORDER = ["eval", "get", "mget", "watch", "multi", "set", "del", "exec", "unwatch"];

let server: RedisServer;
let raw: ReturnType<typeof createClient>;
beforeAll(async () => {
  server = await startRedisServer();
  raw = createClient({ url: server.url, disableOfflineQueue: true });
  raw.on("error", () => {});
  await raw.connect();
});
afterAll(async () => {
  raw?.destroy();
  await server?.stop();
});

const measure = (act: () => Promise<unknown>) => countCommands(server, act);

const render = (counts: Record<string, number>) => {
  const names = Object.keys(counts).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  const total = names.reduce((sum, name) => sum + (counts[name] ?? 0), 0);
  const list = names.map((name) => `${name.toUpperCase()}${counts[name] === 1 ? "" : ` ×${counts[name]}`}`);
  return `${total}: ${list.join(", ")}`;
};

type Data = { cart?: Record<string, number> };

it("commands per operation (INFO commandstats) are the table in docs/redis.md", async () => {
  // Transactions run on duplicated connections kept while idle: measured warm (a first one opens
  // its connection, which node-redis greets with HELLO), however slow this machine is.
  const client = nodeRedisClient(raw, { idleTimeout: 600_000 });
  const time = clock(Date.now());
  const sessions = createSessions<Data>({
    secrets: generateSecret(),
    maxAge: 3600,
    idleTimeout: 600,
    now: time.now,
    registry: {
      store: redisRegistry(client, { namingKey: NAMING_KEY, checkEviction: false }),
      timeout: 60_000,
    },
    store: { store: redisStore(client, { checkEviction: false }), timeout: 60_000 },
  }) as Sessions<Data, Record<string, unknown>>;
  const visit = async (jar: Jar, act?: (session: Session<Data>) => void) => {
    const session = await sessions.load(jar.request());
    act?.(session);
    const headers = new Headers();
    await sessions.commit(session, headers);
    jar.apply(headers);
    return session;
  };
  await visit(new Jar(), (s) => s.login("warm-up"));

  const rows: [string, string, Record<string, number>][] = [];
  const row = async (operation: string, what: string, act: () => Promise<unknown>) => {
    rows.push([operation, what, await measure(act)]);
  };

  const ada = new Jar();
  await row("login", "`login()`: the registry's `register`", () => visit(ada, (s) => s.login("ada")));
  await row("check", "a logged-in request: the registry's `check` (`checkEvery: 0`)", () => visit(ada));
  time.advance(300);
  await row("check, `lastSeenAt` due", "the same, once per `touchEvery` (300 s)", () => visit(ada));
  await row("list", "`listSessions()`", () => sessions.listSessions("ada"));
  const bob = new Jar();
  await visit(bob, (s) => s.login("bob"));
  await row(
    "move to the store",
    "the session moves to the store (a new id): `check` + `rotate` + `create`",
    () =>
      visit(bob, (s) => {
        s.data.cart = { book: 1 };
        s.moveToStore();
      }),
  );
  await row("read", "a request of a stored session, unchanged: `check` + `get`", () => visit(bob));
  await row("patch", "a stored session, changed: `check` + `get` + `patch`", () =>
    visit(bob, (s) => {
      s.data.cart = { ...s.data.cart, pen: 2 };
    }),
  );
  time.advance(120); // past refreshAfter (idleTimeout / 10), within touchEvery
  await row("idle refresh", "a stored session whose idle expiry is renewed: `check` + `get` + `touch`", () =>
    visit(bob),
  );
  await row("logout", "`destroy()` of a stored session: the registry's `remove` + the store's `delete`", () =>
    visit(bob, (s) => s.destroy()),
  );
  await row("log out everywhere", "`endAllSessions()` of a user with one session", () =>
    sessions.endAllSessions("ada"),
  );

  for (const [, , counts] of rows) assert.equal(counts.keys ?? 0, 0, "never KEYS");
  const lines = [
    ["operation", "what runs", "Redis commands (INFO commandstats: how many of each)"],
    ...rows.map(([operation, what, counts]) => [operation, what, render(counts)]),
  ];
  // Padded as the other tables in the docs are.
  const widths = [0, 1, 2].map((i) => Math.max(...lines.map((line) => [...(line[i] ?? "")].length)));
  const format = (line: string[]) =>
    `| ${line.map((cell, i) => cell + " ".repeat((widths[i] ?? 0) - [...cell].length)).join(" | ")} |`;
  const table = [
    format(lines[0] ?? []),
    `| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`,
    ...lines.slice(1).map(format),
  ].join("\n");
  const docs = readFileSync(DOCS, "utf8");
  const at = docs.indexOf(START);
  const end = docs.indexOf(END);
  assert.ok(at !== -1 && end > at, `docs/redis.md needs the markers ${START} … ${END}`);
  const current = docs.slice(at + START.length, end).trim();
  if (process.env.WRITE_DOCS === "1") {
    writeFileSync(DOCS, `${docs.slice(0, at + START.length)}\n${table}\n${docs.slice(end)}`);
    return;
  }
  // Compared cell by cell, so that a formatter's column padding does not matter.
  const cells = (text: string) =>
    text
      .split("\n")
      .filter((line) => !/^\|\s*-/.test(line))
      .map((line) => line.split("|").map((cell) => cell.trim()));
  assert.deepEqual(
    cells(current),
    cells(table),
    "docs/redis.md is stale: WRITE_DOCS=1 npx vitest run --project node test/redis/commands.test.ts",
  );
});
