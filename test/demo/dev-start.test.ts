// `npm start` (scripts/dev.mjs) starts the demo without reaching for the network: miniflare would
// fetch workers.cloudflare.com/cf.json for `request.cf` and, offline, print an ENOTFOUND stack trace
// twice. Runs the real script on a copy of the project, so its .dev.vars and state stay in the copy.
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "sealed-session-start-"));
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child?.pid !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    process.kill(-child.pid, "SIGTERM"); // the group: dev.mjs, wrangler and workerd
    await exited;
  }
  rmSync(scratch, { recursive: true, force: true });
});

it("npm start serves the demo without fetching Request.cf from the network", {
  timeout: 120_000,
}, async () => {
  for (const path of ["package.json", "wrangler.toml", "tsconfig.json", "scripts", "src", "demo-worker"]) {
    cpSync(join(root, path), join(scratch, path), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(scratch, "node_modules"), "dir");
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  // As a user starts it: vitest's NODE_ENV=test alone would make miniflare skip the fetch.
  delete env.CLOUDFLARE_CF_FETCH_ENABLED;
  delete env.NODE_ENV;
  child = spawn(
    process.execPath,
    [
      "scripts/dev.mjs",
      "--ip=127.0.0.1",
      "--port=0",
      "--inspector-port=0",
      "--show-interactive-dev-session=false",
    ],
    { cwd: scratch, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const deadline = Date.now() + 110_000;
  let base: string | undefined;
  while (base === undefined && Date.now() < deadline && child.exitCode === null) {
    base = /Ready on (http:\/\/127\.0\.0\.1:\d+)\/?\s/.exec(output)?.[1];
    if (base === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // The development secrets npm start wrote stay out of any failure message.
  const secrets = readFileSync(join(scratch, ".dev.vars"), "utf8").match(/"[^"]{20,}"/g) ?? [];
  const shown = secrets.reduce((text, secret) => text.replaceAll(secret, '"<hidden>"'), output);
  expect(base, shown).toBeDefined();
  expect((await fetch(`${base}/api/me`)).status, shown).toBe(200);
  expect(shown).not.toMatch(/Request\.cf|workers\.cloudflare\.com|ENOTFOUND/);
});
