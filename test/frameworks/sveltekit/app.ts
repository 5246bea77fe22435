/**
 * Builds a SvelteKit app of this repository for production (`vite build` with adapter-node) and
 * serves it with `node build`, as its users would, on a free loopback port.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningServer, startServer } from "../../runtimes/examples.ts";

export const root = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * What `npm install` makes of the app's `"sealed-session": "file:…"` dependency, without npm: a
 * symlink to this repository, so the app resolves the built package (dist/) through its exports.
 */
export function linkPackage(app: string): void {
  assert.ok(
    existsSync(join(root, "dist/sveltekit/index.js")),
    "dist/ is missing: run `npm run build` first (npm test does)",
  );
  const link = join(app, "node_modules", "sealed-session");
  if (existsSync(link) || isSymlink(link)) return;
  mkdirSync(join(app, "node_modules"), { recursive: true });
  symlinkSync(relative(join(app, "node_modules"), root), link, "dir");
}

const isSymlink = (path: string) => {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
};

/** `vite build` in `app` (adapter-node writes `build/`); resolves with the seconds it took. */
export function build(app: string): Promise<number> {
  linkPackage(app);
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, "node_modules/vite/bin/vite.js"), "build"], {
    cwd: app,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`vite build in ${relative(root, app)} exited with ${code}:\n${output}`));
    });
  });
}

/** `node build` (adapter-node's server) with these secrets, on 127.0.0.1 and a port of its choosing. */
export function serve(app: string, secrets: string): Promise<RunningServer> {
  return startServer(process.execPath, [join(relative(root, app), "build")], {
    HOST: "127.0.0.1",
    SESSION_SECRETS: secrets,
  });
}
