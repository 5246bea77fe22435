/**
 * A Next.js app (examples/next-app, or the middleware.ts fixture beside this file), built with the
 * real `next build` and served by `next start` on a free port.
 *
 * A build runs once: it records a hash of its inputs (the app, src/, the Next version) in its
 * `.next/`, and a later call — the next test file of the same `npm test`, or a rerun with nothing
 * changed — reuses it. Nothing may be downloaded: no telemetry, no TypeScript install (CI=1 makes
 * Next fail instead), no lockfile patching, no wasm SWC fallback.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { stopProcessGroup } from "../../support/process.ts";

export const root = fileURLToPath(new URL("../../..", import.meta.url));
/**
 * The Next.js major under test: the project's own (16), or with SEALED_SESSION_NEXT=15 the one in
 * test/frameworks/next15/node_modules (a `file:` devDependency, so `npm ci` installs it there, where
 * it is found as `next`), with a copy of examples/next-app made for it by next15.test.ts.
 */
export const NEXT_MAJOR = process.env.SEALED_SESSION_NEXT === "15" ? 15 : 16;
export const next15Dir = join(root, "test/frameworks/next15");
export const appDir = NEXT_MAJOR === 15 ? join(next15Dir, "app") : join(root, "examples/next-app");
/** A second app with middleware.ts (the file before Next 16; edge runtime by default). */
export const middlewareAppDir = fileURLToPath(new URL("middleware-app", import.meta.url));
const nextDir = join(NEXT_MAJOR === 15 ? next15Dir : root, "node_modules/next");
const nextBin = join(nextDir, "dist/bin/next");

const quiet = {
  NEXT_TELEMETRY_DISABLED: "1",
  NEXT_IGNORE_INCORRECT_LOCKFILE: "1",
  NEXT_DISABLE_SWC_WASM: "1",
  NO_COLOR: "1",
};

function files(dir: string, skip: (path: string) => boolean): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (skip(path)) continue;
    if (entry.isDirectory()) found.push(...files(path, skip));
    else found.push(path);
  }
  return found;
}

function inputsHash(dir: string): string {
  const hash = createHash("sha256");
  const generated = /\/(\.next|node_modules)$|\/next-env\.d\.ts$|\.tsbuildinfo$/;
  const paths = [...files(dir, (path) => generated.test(path)), ...files(join(root, "src"), () => false)];
  for (const path of paths.sort()) {
    hash.update(relative(root, path)).update("\0").update(readFileSync(path)).update("\0");
  }
  hash.update(readFileSync(join(nextDir, "package.json")));
  return hash.digest("hex");
}

export interface Build {
  /** What `next build` printed (kept with the build, so a reused one still has it). */
  readonly log: string;
  readonly reused: boolean;
  readonly seconds: number;
}

/** Builds the app unless a build of the same inputs is there. Throws with the log on failure. */
export function buildOnce(dir = appDir): Build {
  const started = Date.now();
  const stamp = join(dir, ".next/sealed-session-inputs");
  const logFile = join(dir, ".next/sealed-session-build.log");
  const hash = inputsHash(dir);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === hash && existsSync(logFile)) {
    return { log: readFileSync(logFile, "utf8"), reused: true, seconds: 0 };
  }
  const result = spawnSync(process.execPath, [nextBin, "build", dir], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...quiet, CI: "1" },
    timeout: 600_000,
  });
  const log = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`next build failed (${result.status ?? result.signal}):\n${log}`);
  writeFileSync(logFile, log);
  writeFileSync(stamp, hash);
  return { log, reused: false, seconds: (Date.now() - started) / 1000 };
}

export interface NextServer {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  output(): string;
  stop(): Promise<void>;
}

/** `next start` on a free port (`-p 0`: the port it prints), once `probe` answers. */
export async function startNext(
  env: Record<string, string>,
  dir = appDir,
  probe = "/api/counter",
): Promise<NextServer> {
  const child = spawn(process.execPath, [nextBin, "start", dir, "-p", "0", "-H", "127.0.0.1"], {
    cwd: root,
    env: { ...process.env, ...quiet, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8");
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const server: NextServer = { base: "", output: () => output, stop: () => stopProcessGroup(child) };
  try {
    const deadline = Date.now() + 60_000;
    let base: string | undefined;
    while (base === undefined) {
      if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`next start printed no address within 60 s:\n${output}`);
      base = /Local:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (base === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Printed before it listens for sure: wait for a first answer.
    for (;;) {
      try {
        await (await fetch(`${base}${probe}`)).arrayBuffer();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    return { ...server, base };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** A browser's cookie store, as far as these tests need one: name → value, applying Set-Cookie. */
export class Jar {
  readonly cookies = new Map<string, string>();

  /** Applies a response's Set-Cookie lines; returns them. */
  take(response: Response): string[] {
    const lines = response.headers.getSetCookie();
    for (const line of lines) {
      const pair = line.split(";")[0] ?? "";
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === "" || /;\s*max-age=0(;|$)/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return lines;
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}
