/**
 * A real `redis-server` for a test run: loopback only, on a free port, no persistence, in a scratch
 * directory. Stopped by its pid — by `stop()`, when this process exits, and by a watchdog when this
 * process dies without exiting (SIGKILL, a killed vitest worker). `stop()`/`start()` take it down and
 * bring it back on the same port, for fault tests; `pause()`/`resume()` stall it (SIGSTOP/SIGCONT).
 *
 *   const redis = await startRedisServer();   // redis.url: "redis://127.0.0.1:<port>"
 *   try { … } finally { await redis.stop(); }
 *
 * From the command line (Node 24), to give another runtime (bun, deno) or a benchmark a server:
 *   node test/support/redis-server.ts -- bun test test/runtimes/bun/   # runs it with REDIS_URL set
 *   node test/support/redis-server.ts                                  # prints REDIS_URL=…, runs until ^C
 *   node test/support/redis-server.ts --stdin                          # … or until its stdin closes
 *
 * Works under Node (node:test, vitest) and Bun; Deno needs --allow-run=redis-server,sh and --allow-net.
 * Needs the Debian `redis-server` (`apt-get install -y redis-server`; .ci/run installs it), or
 * REDIS_SERVER=/path/to/redis-server. More in docs/redis.md ("Testing").
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A reply as `command()` decodes it (RESP2). An error reply rejects instead. */
export type RespValue = string | number | null | RespValue[];

export interface RedisServer extends AsyncDisposable {
  /** The port, the same after `start()`/`restart()`. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** The server's pid; `undefined` while it is stopped. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Stops the server (SIGTERM, SIGKILL after 5 s) and waits until it has exited. Idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port, with the same arguments and an empty data set; waits for PING. */
  start(): Promise<void>;
  /** `stop()` then `start()`. */
  restart(): Promise<void>;
  /** SIGSTOP: the server keeps its connections but answers nothing (a stalled server). */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** Sends one command on a connection of its own and returns the reply (a tiny RESP2 client). */
  command(...args: string[]): Promise<RespValue>;
  /** What the server printed (its log), for failure messages. */
  output(): string;
}

/** Stop, start, pause and resume of a server that starts later (in `beforeAll`), for the fault kits. */
export const controlOf = (server: () => RedisServer) => ({
  stop: () => server().stop(),
  start: () => server().start(),
  pause: () => server().pause(),
  resume: () => server().resume(),
});

export interface RedisServerOptions {
  /** More `redis-server` arguments, e.g. `["--maxmemory-policy", "allkeys-lru"]`. */
  readonly args?: readonly string[];
  /** A port to use instead of a free one. */
  readonly port?: number;
  /** ms to wait for the first PONG. Default 10,000. */
  readonly readyWithin?: number;
}

/** The redis-server binary: REDIS_SERVER, or `redis-server` on PATH; `undefined` when there is none. */
export function findRedisServer(): string | undefined {
  const named = process.env.REDIS_SERVER;
  if (named) return isExecutable(named) ? named : undefined;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, "redis-server"))) return join(dir, "redis-server");
  }
  for (const path of ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]) {
    if (isExecutable(path)) return path;
  }
  return undefined;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  if (binary === undefined) {
    throw new Error(
      "redis-server not found: install it (`apt-get install -y redis-server`; .ci/run does) or set REDIS_SERVER",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "sealed-session-redis-"));
  const readyWithin = options.readyWithin ?? 10_000;
  let log = "";
  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let port = options.port ?? 0;

  const killOnExit = () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {}
    }
  };

  const launch = async (): Promise<void> => {
    // A free port can be taken between our probe and redis binding it: try a few.
    for (let attempt = 1; ; attempt++) {
      const candidate = options.port ?? (port || (await freePort()));
      const proc = spawn(
        binary,
        [
          "--port",
          String(candidate),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
          "--dir",
          dir,
          "--daemonize",
          "no",
          "--logfile",
          "",
          ...(options.args ?? []),
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      const keep = (chunk: Buffer) => {
        log = (log + chunk.toString("utf8")).slice(-20_000);
      };
      proc.stdout?.on("data", keep);
      proc.stderr?.on("data", keep);
      // Never keep the test process alive for the server's sake: stop() or the exit hooks end it.
      proc.unref();
      (proc.stdout as { unref?: () => void } | null)?.unref?.();
      (proc.stderr as { unref?: () => void } | null)?.unref?.();
      const done = new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) resolve();
        else proc.once("exit", () => resolve());
      });
      const failed = new Promise<"exited">((resolve) => {
        proc.once("exit", () => resolve("exited"));
        proc.once("error", (error) => {
          log += `\n${error.message}`;
          resolve("exited");
        });
      });
      const outcome = await Promise.race([waitForPong(candidate, readyWithin), failed]);
      if (outcome === "ready") {
        child = proc;
        exited = done;
        port = candidate;
        process.once("exit", killOnExit);
        watchdog = startWatchdog(proc.pid);
        return;
      }
      if (proc.exitCode === null) {
        try {
          process.kill(proc.pid as number, "SIGKILL");
        } catch {}
      }
      await done;
      const inUse = /Address already in use/i.test(log);
      if (!inUse || options.port !== undefined || attempt >= 5) {
        throw new Error(
          `redis-server did not answer PING on 127.0.0.1:${candidate} within ${readyWithin} ms:\n${log.slice(-2000)}`,
        );
      }
      port = 0;
    }
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (proc === undefined) return;
    child = undefined;
    process.removeListener("exit", killOnExit);
    if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
      const pid = proc.pid;
      try {
        process.kill(pid, "SIGCONT"); // a paused server cannot handle SIGTERM
        process.kill(pid, "SIGTERM");
      } catch {}
      const force = setTimeout(() => {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }, 5000);
      await exited;
      clearTimeout(force);
    }
    stopWatchdog(watchdog);
    watchdog = undefined;
  };

  await launch();
  const server: RedisServer = {
    get port() {
      return port;
    },
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get pid() {
      return child?.pid;
    },
    get running() {
      return child !== undefined;
    },
    stop: async () => {
      await stop();
    },
    start: async () => {
      if (child === undefined) await launch();
    },
    restart: async () => {
      await stop();
      await launch();
    },
    pause: () => {
      if (child?.pid !== undefined) process.kill(child.pid, "SIGSTOP");
    },
    resume: () => {
      if (child?.pid !== undefined) process.kill(child.pid, "SIGCONT");
    },
    command: (...args) => respCommand(port, args),
    output: () => log,
    [Symbol.asyncDispose]: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // The scratch directory holds nothing (no persistence): remove it at exit whatever happened.
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return server;
}

/**
 * A process that kills the server when this process goes away by any means: it waits for EOF on a
 * pipe whose other end only this process holds.
 */
function startWatchdog(pid: number | undefined): ChildProcess | undefined {
  if (pid === undefined) return undefined;
  try {
    const dog = spawn("/bin/sh", ["-c", `cat >/dev/null; kill -9 ${pid} 2>/dev/null`], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: true,
    });
    dog.on("error", () => {});
    dog.unref();
    (dog.stdin as { unref?: () => void } | null)?.unref?.();
    return dog;
  } catch {
    return undefined; // no /bin/sh: the exit hook still stops the server on a normal exit
  }
}

function stopWatchdog(dog: ChildProcess | undefined): void {
  if (dog === undefined) return;
  try {
    // SIGKILL the shell first: closing its pipe would make it kill a pid that has been reaped.
    if (dog.pid !== undefined) process.kill(-dog.pid, "SIGKILL");
  } catch {}
  dog.stdin?.destroy();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const found = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(found));
    });
  });
}

/** Polls PING until PONG (or the deadline). */
async function waitForPong(port: number, within: number): Promise<"ready" | "timeout"> {
  const deadline = Date.now() + within;
  while (Date.now() < deadline) {
    try {
      if ((await respCommand(port, ["PING"], 1000)) === "PONG") return "ready";
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return "timeout";
}

/** One command on a new connection; RESP2, enough for PING, CONFIG, INFO, KEYS-free checks. */
export function respCommand(port: number, args: readonly string[], timeout = 5000): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis on port ${port}: no reply to ${args[0]} within ${timeout} ms`));
    }, timeout);
    const finish = (error: Error | undefined, value?: RespValue) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(value ?? null);
    };
    socket.once("error", (error) => finish(error));
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      try {
        const parsed = parseResp(buffer, 0);
        if (parsed === undefined) return;
        const [value] = parsed;
        if (value instanceof Error) finish(value);
        else finish(undefined, value);
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.write(
      `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`,
    );
  });
}

/** Parses one RESP2 value at `at`: `[value, next offset]`, or `undefined` when more bytes are needed. */
function parseResp(buffer: Buffer, at: number): [RespValue | Error, number] | undefined {
  const end = buffer.indexOf("\r\n", at);
  if (end === -1) return undefined;
  const type = String.fromCharCode(buffer[at] as number);
  const line = buffer.toString("utf8", at + 1, end);
  const next = end + 2;
  switch (type) {
    case "+":
      return [line, next];
    case "-":
      return [new Error(line), next];
    case ":":
      return [Number(line), next];
    case "$": {
      const length = Number(line);
      if (length < 0) return [null, next];
      if (buffer.length < next + length + 2) return undefined;
      return [buffer.toString("utf8", next, next + length), next + length + 2];
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: RespValue[] = [];
      let offset = next;
      for (let i = 0; i < count; i++) {
        const item = parseResp(buffer, offset);
        if (item === undefined) return undefined;
        const [value, after] = item;
        items.push(value instanceof Error ? value.message : value);
        offset = after;
      }
      return [items, offset];
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// Command line: start a server, then run a command with REDIS_URL set, or serve until a signal
// (or, with --stdin, until standard input closes: a parent that dies takes the server with it).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const untilStdin = args[0] === "--stdin";
  const rest = untilStdin ? args.slice(1) : args;
  const command = rest[0] === "--" ? rest.slice(1) : rest;
  const server = await startRedisServer();
  if (command.length === 0) {
    console.log(`REDIS_URL=${server.url}`);
    console.log(`redis-server pid ${server.pid}; stop with ^C${untilStdin ? " or by closing stdin" : ""}`);
    const end = async () => {
      await server[Symbol.asyncDispose]();
      process.exit(0);
    };
    process.once("SIGINT", end);
    process.once("SIGTERM", end);
    if (untilStdin) {
      process.stdin.on("end", end);
      process.stdin.on("close", end);
      process.stdin.resume();
    }
    setInterval(() => {}, 1 << 30);
  } else {
    const result = spawnSync(command[0] as string, command.slice(1), {
      stdio: "inherit",
      env: { ...process.env, REDIS_URL: server.url },
    });
    await server[Symbol.asyncDispose]();
    process.exit(result.status ?? 1);
  }
}

/**
 * Runs `act` and returns what the server counted meanwhile (INFO commandstats: calls per command,
 * lower case; commands a script runs count as their own). The measuring itself — `CONFIG RESETSTAT`
 * before, `INFO` after — is left out.
 */
export async function countCommands(
  server: Pick<RedisServer, "command">,
  act: () => Promise<unknown>,
): Promise<Record<string, number>> {
  await server.command("CONFIG", "RESETSTAT");
  await act();
  const info = String(await server.command("INFO", "commandstats"));
  const counts: Record<string, number> = {};
  for (const [, name, calls] of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
    if (!/^(config|info)\b/.test(String(name))) counts[String(name)] = Number(calls);
  }
  return counts;
}
