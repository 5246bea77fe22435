/**
 * Starts the real `wrangler dev` (local mode, no account) on a loopback port of its choosing with a
 * fresh KV directory, for tests and scripts outside vitest. `stop()` ends wrangler and workerd (its own
 * process group) and removes the directory; call it in a `finally`.
 *
 * By default it first bundles the demo once (`wrangler deploy --dry-run`) and serves that bundle:
 * `wrangler dev` rebuilds and restarts the Worker whenever a source file changes, and a restart in
 * the middle of a run would drop per-isolate state (the revocation memo, KV_FAULT's clock).
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stopProcessGroup } from "./process.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");

export interface WranglerDev {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** Everything wrangler printed so far, with SESSION_SECRETS blanked out. */
  output(): string;
  stop(): Promise<void>;
}

export interface WranglerDevOptions {
  /** `--var NAME:value` pairs; SESSION_SECRETS defaults to a random secret. */
  readonly vars?: Record<string, string>;
  /** ms to wait for "Ready on" and a first answer. Default 120000. */
  readonly readyWithin?: number;
  /** Serve a bundle made at start (default), or the sources, rebuilt on every change. */
  readonly snapshot?: boolean;
}

// No request.cf fetch from workers.cloudflare.com: tests run offline (see scripts/dev.mjs).
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  CI: "true",
  NO_COLOR: "1",
};
let bundle: string | undefined;

/** Bundles the demo once per process, into a directory removed when the process exits. */
function bundleDemo(): string {
  if (bundle !== undefined) return bundle;
  const dir = mkdtempSync(join(tmpdir(), "sealed-session-bundle-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const built = spawnSync(process.execPath, [wrangler, "deploy", "--dry-run", `--outdir=${dir}`], {
    cwd: root,
    encoding: "utf8",
    env,
  });
  if (built.status !== 0) throw new Error(`bundling the demo failed:\n${built.stdout}${built.stderr}`);
  bundle = dir;
  return dir;
}

/** The root wrangler.toml, pointed at the bundle and told not to bundle again. */
function snapshotConfig(dir: string): string {
  const main = JSON.stringify(join(bundleDemo(), "index.js"));
  const text = readFileSync(join(root, "wrangler.toml"), "utf8");
  if (!/^main = .*$/m.test(text)) throw new Error("wrangler.toml has no main line");
  const config = `no_bundle = true\n${text.replace(/^main = .*$/m, `main = ${main}`).replace(/^\[alias\][^[]*/m, "")}`;
  const file = join(dir, "wrangler.toml");
  writeFileSync(file, config);
  return file;
}

export async function startWranglerDev(options: WranglerDevOptions = {}): Promise<WranglerDev> {
  const persist = mkdtempSync(join(tmpdir(), "sealed-session-wrangler-"));
  const vars = {
    SESSION_SECRETS: randomBytes(32).toString("base64url"),
    SESSION_NAMING_KEY: randomBytes(32).toString("base64url"),
    ...options.vars,
  };
  let config: string[];
  try {
    config = options.snapshot === false ? [] : [`--config=${snapshotConfig(persist)}`];
  } catch (error) {
    rmSync(persist, { recursive: true, force: true });
    throw error;
  }
  const child = spawn(
    process.execPath,
    [
      wrangler,
      "dev",
      ...config,
      "--local",
      "--ip=127.0.0.1",
      // Port 0: wrangler binds ports of its own choosing and names the one it serves on in "Ready on".
      // (A free port picked here and handed over could be taken by then: other tests bind and connect.)
      "--port=0",
      "--inspector-port=0",
      `--persist-to=${persist}`,
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    {
      cwd: root,
      detached: true, // its own process group, so stop() reaches workerd too
      stdio: ["ignore", "pipe", "pipe"],
      env,
    },
  );
  let output = "";
  // wrangler lists the vars it was given: keep the secret's value out of anything we print.
  const secretValues = [
    ...vars.SESSION_SECRETS.split(","),
    vars.SESSION_NAMING_KEY,
    (vars as { TOKEN_SIGNING_KEYS?: string }).TOKEN_SIGNING_KEYS ?? "",
  ].filter((value) => value.trim() !== "");
  const collect = (chunk: Buffer) => {
    let text = chunk.toString();
    for (const value of secretValues) text = text.replaceAll(value, "<SESSION_SECRETS>");
    output += text;
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  // Stops wrangler if this process ends without calling stop() (an uncaught error, Ctrl-C).
  const onExit = () => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    } catch {}
  };
  process.once("exit", onExit);

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= stopProcessGroup(child).then(() => {
      process.off("exit", onExit);
      rmSync(persist, { recursive: true, force: true });
    });
    return stopped;
  };

  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`wrangler dev exited (${code}):\n${output}`))),
  );
  exited.catch(() => {});
  const readyWithin = options.readyWithin ?? 120_000;
  const ready = (async () => {
    const deadline = Date.now() + readyWithin;
    while (Date.now() < deadline) {
      // The whole number: a chunk may end inside it.
      const base = /Ready on (http:\/\/127\.0\.0\.1:\d+)\/?\s/.exec(output)?.[1];
      if (base !== undefined) {
        try {
          const response = await fetch(`${base}/`);
          await response.arrayBuffer();
          return base;
        } catch {}
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`wrangler dev was not ready within ${readyWithin / 1000} s:\n${output}`);
  })();
  let base: string;
  try {
    base = await Promise.race([ready, exited]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, output: () => output, stop };
}
