import { ConfigError, SessionError } from "../errors.ts";
import { Lru } from "../lib/lru.ts";
import { createSessions, type Sessions, type SessionsOptions } from "../session/manager.ts";

/** Configurations kept per middleware (or Worker helper) instance: enough for a few tenants or environments. */
const MAX_MANAGERS = 16;
/** After this many builds, an options function is probably returning new functions or stores per request. */
const CHURN_WARNING = 64;

/**
 * Builds a session manager once per resolved configuration, so keys are imported once and not
 * on every request. Options resolved per request (from `c.env` or `env`) are compared by value
 * for data (secrets, format, cookie, lifetimes) and by identity for functions and objects such as
 * a revocation store — those must be created once, at module scope or once per `env`.
 */
export class ManagerCache<Data extends object, Flash extends object> {
  readonly #byObject = new WeakMap<object, Sessions<Data, Flash>>();
  readonly #byKey = new Lru<string, Sessions<Data, Flash>>(MAX_MANAGERS);
  readonly #ids = new WeakMap<object, number>();
  #nextId = 0;
  #builds = 0;
  #warned = false;

  /** Number of managers built so far (tests and diagnostics). */
  get builds(): number {
    return this.#builds;
  }

  get(options: SessionsOptions): Sessions<Data, Flash> {
    if (typeof options !== "object" || options === null) {
      throw new ConfigError("the sessions options (or the function that returns them) must give an object");
    }
    const same = this.#byObject.get(options);
    if (same) return same;
    const key = this.#key(options);
    let sessions = this.#byKey.get(key);
    if (!sessions) {
      // Throws ConfigError on a bad configuration; nothing is cached then, so a fix takes effect.
      sessions = createSessions<Data, Flash>(options);
      this.#byKey.set(key, sessions);
      this.#noteBuild();
    }
    this.#byObject.set(options, sessions);
    return sessions;
  }

  #noteBuild(): void {
    this.#builds++;
    if (this.#builds >= CHURN_WARNING && !this.#warned) {
      this.#warned = true;
      console.warn(
        "sealed-session: session options produced many different configurations. Create functions and " +
          "stores in the options once (module scope, or once per env), not inside the options function, " +
          "or keys are derived again for every request.",
      );
    }
  }

  /** A stable text for a configuration: data by value, functions and objects with a prototype by identity. */
  #key(value: unknown): string {
    if (value === undefined) return "u";
    if (value === null || typeof value !== "object") {
      if (typeof value === "function") return `#${this.#idOf(value)}`;
      return JSON.stringify(value) ?? String(value);
    }
    if (Array.isArray(value)) return `[${value.map((item) => this.#key(item)).join(",")}]`;
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return `#${this.#idOf(value)}`;
    const record = value as Record<string, unknown>;
    const fields = Object.keys(record)
      .filter((name) => record[name] !== undefined)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${this.#key(record[name])}`);
    return `{${fields.join(",")}}`;
  }

  #idOf(value: object): number {
    let id = this.#ids.get(value);
    if (id === undefined) {
      id = this.#nextId++;
      this.#ids.set(value, id);
    }
    return id;
  }
}

/**
 * Runs an options function, turning a crash in it (say, `c.env` undefined under `app.request`)
 * into a `ConfigError` that says where it came from, instead of an anonymous session or a bare TypeError.
 */
export function resolveOptions<Arg>(
  options: SessionsOptions | ((arg: Arg) => SessionsOptions),
  arg: Arg,
  what: string,
): SessionsOptions {
  if (typeof options !== "function") return options;
  try {
    return options(arg);
  } catch (error) {
    if (error instanceof SessionError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    const wrapped = new ConfigError(`the sessions options function threw (${reason}); ${what}`);
    wrapped.cause = error;
    throw wrapped;
  }
}

/**
 * The one manager of an app whose options come from the process environment (Next.js, React
 * Router): fixed options are checked now, so a misconfiguration stops the app at start-up; a
 * function is called on first use, once (the environment may not be ready when the module loads).
 */
export function lazyManager<Data extends object, Flash extends object>(
  options: SessionsOptions | (() => SessionsOptions),
  adjust: (options: SessionsOptions) => SessionsOptions = (same) => same,
): () => Sessions<Data, Flash> {
  let built: Sessions<Data, Flash> | undefined;
  const manager = () =>
    (built ??= createSessions<Data, Flash>(
      adjust(resolveOptions(options, undefined, "check the environment variables it reads")),
    ));
  if (typeof options !== "function") manager();
  return manager;
}
