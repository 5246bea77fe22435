/**
 * Builds examples/react-router-app for production (`react-router build`) and serves it with
 * `react-router-serve`, as its users would, on a free loopback port.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { stopChild } from "../../support/process.ts";

export const root = fileURLToPath(new URL("../../../", import.meta.url));
export const example = join(root, "examples/react-router-app");

/**
 * What `npm install` makes of the app's `"sealed-session": "file:../.."` dependency, without npm: a
 * symlink to this repository, so the app resolves the built package (dist/) through its exports.
 * Everything else (react-router, react, vite) resolves from the repository's node_modules.
 */
function linkPackage(app: string): void {
  assert.ok(
    existsSync(join(root, "dist/react-router/index.js")),
    "dist/ is missing: run `npm run build` first (npm test does)",
  );
  const link = join(app, "node_modules", "sealed-session");
  let linked = false;
  try {
    linked = lstatSync(link).isSymbolicLink();
  } catch {}
  if (linked) return;
  mkdirSync(join(app, "node_modules"), { recursive: true });
  symlinkSync(relative(join(app, "node_modules"), root), link, "dir");
}

/** Runs a Node script in `cwd`; resolves with the seconds it took, rejects with its output. */
export function run(cwd: string, script: string, args: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`${relative(root, script)} ${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
}

const reactRouterCli = join(root, "node_modules/@react-router/dev/bin.cjs");

/** `react-router build` (client and server bundles in build/); resolves with the seconds it took. */
export function build(app = example): Promise<number> {
  linkPackage(app);
  return run(app, reactRouterCli, ["build"]);
}

/** `react-router typegen` (each route's `./+types/…`), then `tsc` with the app's tsconfig.json. */
export async function typecheck(app = example): Promise<number> {
  linkPackage(app);
  const typegen = await run(app, reactRouterCli, ["typegen"]);
  return typegen + (await run(app, join(root, "node_modules/typescript/bin/tsc"), ["-p", "."]));
}

export interface RunningServer {
  readonly url: string;
  /** What the server printed so far. */
  readonly output: () => string;
  stop(): Promise<void>;
}

/** A port nothing listens on now (react-router-serve takes PORT, and prints localhost:0 for 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * `react-router-serve ./build/server/index.js` with these secrets, on 127.0.0.1. NODE_ENV is set
 * as React Router's templates do (`cross-env NODE_ENV=production`): without it React loads its
 * development build before the CLI sets NODE_ENV, and rendering fails.
 */
export async function serve(secrets: string, app = example): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(root, "node_modules/@react-router/serve/dist/cli.js"), "./build/server/index.js"],
    {
      cwd: app,
      env: {
        ...process.env,
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
        SESSION_SECRETS: secrets,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail("did not print its address within 30 s"), 30_000);
    function fail(why: string) {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`react-router-serve ${why}. Its output:\n${output}`));
    }
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
      if (!output.includes(`http://localhost:${port}`)) return;
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${port}`, output: () => output, stop: () => stopChild(child) });
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("error", (error) => fail(`could not start: ${error.message}`));
    child.on("exit", (code) => fail(`exited with ${code}`));
  });
}
