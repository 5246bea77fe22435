/**
 * The Worker that `npm run bench:workerd` (bench/workerd/main.ts) runs in workerd through miniflare,
 * with the library's real Durable Objects. Every case is one request's session work — `load` +
 * `commit` with a browser's cookie — run in a loop inside one HTTP request from the driver:
 *
 *   POST /setup?pool=          builds the managers, logs the sessions in, seals the cold pools
 *   GET  /batch?case=&ms=      runs one case until `ms` have passed on the Worker's clock: { ops, ms };
 *                              case=none runs nothing (the driver takes its CPU off every batch's)
 *   GET  /clock                spins the CPU with no I/O: does the clock move meanwhile?
 *   GET  /count?pool=&ops=     untimed: Durable Object calls and crypto.subtle calls per request
 *
 * On Cloudflare, `performance.now()` and `Date.now()` only advance after I/O (a Spectre mitigation).
 * Local workerd does not freeze them: they run during CPU work, in whole milliseconds (the driver
 * checks /clock first and stops if they do not move). The driver also reads the workerd process's
 * CPU time around each batch, which a loaded machine disturbs far less than the clock.
 */
import { DurableObject } from "cloudflare:workers";
import {
  durableObjectRegistry,
  durableObjectStore,
  type SessionDataStore,
  type SessionRegistry,
} from "../../src/cloudflare/index.ts";
import { createSessions, type SessionsOptions } from "../../src/index.ts";
import { instrument } from "../count.ts";
import { makePayload, type Payload, SECRET } from "../payload.ts";

export { SessionDataStore, SessionRegistry } from "../../src/cloudflare/index.ts";

/** The least a Durable Object call can cost: a method that does nothing. */
export class BenchNoop extends DurableObject<unknown> {
  ping(): number {
    return 1;
  }
}

interface Env {
  SESSION_REGISTRY: DurableObjectNamespace<SessionRegistry>;
  SESSION_DATA: DurableObjectNamespace<SessionDataStore>;
  BENCH_NOOP: DurableObjectNamespace<BenchNoop>;
}

/** Bench-only naming key for the registry's objects (never used anywhere real). */
const NAMING_KEY = "bench-naming-key-0123456789-abcdefghijklmn";
/** More cookies than the token cache keeps (4,096 entries): cycling through them, every load misses. */
const COLD_POOL = 4_200;
/** The registry's cap per user is at most 1,000 sessions: the cold registry pool spreads over users. */
const PER_USER = 900;

type Op = () => Promise<unknown>;

/** Counts calls to each Durable Object namespace's stubs, by method: one call is one RPC. */
interface DoCounter {
  readonly calls: Record<string, number>;
  wrap<T extends Rpc.DurableObjectBranded | undefined>(
    label: string,
    namespace: DurableObjectNamespace<T>,
  ): DurableObjectNamespace<T>;
}

function doCounter(): DoCounter {
  const calls: Record<string, number> = {};
  return {
    calls,
    wrap(label, namespace) {
      return {
        getByName(name: string) {
          const stub = namespace.getByName(name);
          return new Proxy(stub, {
            get(target, method) {
              const value = Reflect.get(target, method);
              if (typeof value !== "function" || typeof method !== "string") return value;
              return (...args: unknown[]) => {
                const key = `${label}.${method}`;
                calls[key] = (calls[key] ?? 0) + 1;
                // Reflect.apply: on an RPC stub, `.apply` would itself be a remote method name.
                return Reflect.apply(value, target, args);
              };
            },
          });
        },
      } as unknown as typeof namespace;
    },
  };
}

/** One browser: sends the cookie the last response set. */
class Browser {
  cookie: string | undefined;
  constructor(cookie?: string) {
    this.cookie = cookie;
  }
  headers(): Headers {
    return new Headers(this.cookie ? { cookie: this.cookie } : {});
  }
  take(out: Headers): void {
    const set = out.getSetCookie()[0];
    if (set !== undefined) this.cookie = set.slice(0, set.indexOf(";"));
  }
}

type Manager = ReturnType<typeof createSessions<Payload>>;

/** One request: load, let `change` act, commit; the browser keeps what was set. */
async function request(sessions: Manager, browser: Browser, change?: (data: Partial<Payload>) => void) {
  const session = await sessions.load(browser.headers());
  if (session.userId === undefined) throw new Error(`bench session lost: ${session.invalidReason}`);
  change?.(session.data);
  const out = new Headers();
  await sessions.commit(session, out);
  browser.take(out);
}

/** A logged-in session with the payload; its cookie. */
async function login(sessions: Manager, userId: string): Promise<string> {
  const browser = new Browser();
  const session = await sessions.load(browser.headers());
  session.login(userId);
  Object.assign(session.data, makePayload());
  const out = new Headers();
  await sessions.commit(session, out);
  browser.take(out);
  if (browser.cookie === undefined) throw new Error("bench login set no cookie");
  return browser.cookie;
}

const bump = (data: Partial<Payload>) => {
  const counters = data.counters ?? { views: 0, cart: 0 };
  data.counters = { ...counters, views: counters.views + 1 };
};

interface Setup {
  readonly cases: Record<string, Op>;
  /** Cookie value bytes of each kind of session. */
  readonly cookieBytes: Record<string, number>;
}

/** Every case. `count` wraps the bindings for the untimed counting pass. */
async function setup(env: Env, pool: number, count?: DoCounter): Promise<Setup> {
  const registryNs = count ? count.wrap("registry", env.SESSION_REGISTRY) : env.SESSION_REGISTRY;
  const dataNs = count ? count.wrap("store", env.SESSION_DATA) : env.SESSION_DATA;
  const noopNs = count ? count.wrap("noop", env.BENCH_NOOP) : env.BENCH_NOOP;
  const registryStore = durableObjectRegistry(registryNs, { namingKey: NAMING_KEY });
  const dataStore = durableObjectStore(dataNs);
  const make = (options: Partial<SessionsOptions> = {}): Manager =>
    createSessions<Payload>({ secrets: SECRET, ...options });
  // refreshAfter 0: every request of an unchanged session is an idle refresh.
  const idle = { idleTimeout: 3600, refreshAfter: 0 } as const;
  const registry = (checkEvery: number) => ({
    registry: { store: registryStore, checkEvery, maxSessionsPerUser: 1000 },
  });
  const store = { store: { store: dataStore, mode: "always" as const } };

  // One manager per case, as one isolate each: no case's cookies crowd another's token cache.
  const cookie = make();
  const cookieCold = make();
  const cookieWriter = make();
  const cookieRefresh = make(idle);
  const check = make(registry(0));
  const checkCold = make(registry(0));
  const cached = make(registry(30));
  const storeReader = make(store);
  const storeWriter = make(store);
  const storeRefresh = make({ ...store, ...idle });
  // Other isolates: they seal the cold cookies that the measuring managers never saw.
  const elsewhere = make();
  const elsewhereRegistered = make(registry(0));

  const run = crypto.randomUUID().slice(0, 8);
  const browsers = {
    stateless: new Browser(await login(cookie, `ada-${run}`)),
    cookieWrite: new Browser(await login(cookieWriter, `bob-${run}`)),
    cookieRefresh: new Browser(await login(cookieRefresh, `cy-${run}`)),
    check: new Browser(await login(check, `dee-${run}`)),
    cached: new Browser(await login(cached, `eve-${run}`)),
    storeRead: new Browser(await login(storeReader, `fay-${run}`)),
    storeWrite: new Browser(await login(storeWriter, `gus-${run}`)),
    storeRefresh: new Browser(await login(storeRefresh, `hal-${run}`)),
  };
  const coldCookies: string[] = [];
  const coldRegistered: string[] = [];
  for (let i = 0; i < pool; i++) coldCookies.push(await login(elsewhere, `cold-${run}-${i}`));
  // Registrations of different users run in parallel; one user's queue in its object.
  const users = Math.ceil(pool / PER_USER);
  const perUser = await Promise.all(
    Array.from({ length: users }, async (_, u) => {
      const cookies: string[] = [];
      for (let i = u * PER_USER; i < Math.min(pool, (u + 1) * PER_USER); i++) {
        cookies.push(await login(elsewhereRegistered, `reg-${run}-${u}`));
      }
      return cookies;
    }),
  );
  // Interleave users, as requests from many users arrive.
  for (let i = 0; i < PER_USER; i++) {
    for (const cookies of perUser) if (i < cookies.length) coldRegistered.push(cookies[i]!);
  }
  const cycle = (cookies: readonly string[]) => {
    let next = 0;
    return () => new Browser(cookies[next++ % cookies.length]);
  };
  const coldCookie = cycle(coldCookies);
  const coldRegisteredCookie = cycle(coldRegistered);

  const cases: Record<string, Op> = {
    noop_rpc: () => noopNs.getByName("noop").ping(),
    stateless_warm: () => request(cookie, browsers.stateless),
    stateless_cold: () => request(cookieCold, coldCookie()),
    registry_check_warm: () => request(check, browsers.check),
    registry_check_cold: () => request(checkCold, coldRegisteredCookie()),
    registry_cached_warm: () => request(cached, browsers.cached),
    cookie_write: () => request(cookieWriter, browsers.cookieWrite, bump),
    cookie_refresh: () => request(cookieRefresh, browsers.cookieRefresh),
    store_read: () => request(storeReader, browsers.storeRead),
    store_write: () => request(storeWriter, browsers.storeWrite, bump),
    store_refresh: () => request(storeRefresh, browsers.storeRefresh),
  };
  const bytes = (cookieHeader: string | undefined) =>
    cookieHeader === undefined ? 0 : cookieHeader.length - cookieHeader.indexOf("=") - 1;
  return {
    cases,
    cookieBytes: {
      cookie: bytes(browsers.stateless.cookie),
      registered: bytes(browsers.check.cookie),
      store: bytes(browsers.storeRead.cookie),
    },
  };
}

/** Runs `op` until `ms` milliseconds have passed on the Worker's clock. */
async function batch(op: Op, ms: number): Promise<{ ops: number; ms: number }> {
  const start = performance.now();
  let ops = 0;
  let now = start;
  do {
    await op();
    ops++;
    now = performance.now();
  } while (now - start < ms);
  return { ops, ms: now - start };
}

/** Spins the CPU with no I/O: does `performance.now()` move meanwhile? */
function clock(): { cpuMs: number; spins: number } {
  const start = performance.now();
  let spins = 0;
  let x = 0;
  // ~25 ms of work on this kind of machine; the answer only needs to be non-zero.
  while (spins < 20_000_000) {
    x = (x + spins) % 1_000_003;
    spins++;
  }
  return { cpuMs: performance.now() - start, spins: spins + (x < 0 ? 1 : 0) };
}

/** Per-request calls of every case, over `ops` requests after two warm-up requests. Untimed. */
async function countAll(env: Env, pool: number, ops: number) {
  const counter = doCounter();
  const { cases } = await setup(env, pool, counter);
  const subtle = instrument();
  const result: Record<string, { do: Record<string, number>; subtle: Record<string, number> | null }> = {};
  for (const [name, op] of Object.entries(cases)) {
    await op();
    await op();
    for (const key of Object.keys(counter.calls)) delete counter.calls[key];
    if (subtle)
      for (const key of Object.keys(subtle.counts)) subtle.counts[key as keyof typeof subtle.counts] = 0;
    for (let i = 0; i < ops; i++) await op();
    const per = (counts: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(counts)
          .filter(([, n]) => n > 0)
          .map(([key, n]) => [key, n / ops]),
      );
    result[name] = { do: per(counter.calls), subtle: subtle ? per(subtle.counts) : null };
  }
  return result;
}

let current: Setup | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const param = (name: string, fallback: number) => {
      const value = Number(url.searchParams.get(name));
      return Number.isFinite(value) && value > 0 ? value : fallback;
    };
    if (url.pathname === "/clock") return Response.json(clock());
    if (url.pathname === "/setup") {
      const pool = param("pool", COLD_POOL);
      current = await setup(env, pool);
      return Response.json({ cases: Object.keys(current.cases), cookieBytes: current.cookieBytes, pool });
    }
    if (url.pathname === "/batch") {
      const name = url.searchParams.get("case") ?? "";
      // "none": the request alone, whose CPU the driver subtracts from every batch's.
      if (name === "none") return Response.json({ ops: 0, ms: 0 });
      const op = current?.cases[name];
      if (!op) return new Response("unknown case (POST /setup first)", { status: 404 });
      return Response.json(await batch(op, param("ms", 50)));
    }
    if (url.pathname === "/count") {
      return Response.json(await countAll(env, param("pool", 64), param("ops", 20)));
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
