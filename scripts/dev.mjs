// `npm start`: runs the demo Worker under `wrangler dev`, locally (miniflare, KV under .wrangler/),
// with no Cloudflare account and no prompts. On the first run it writes a generated SESSION_SECRETS,
// SESSION_NAMING_KEY and TOKEN_SIGNING_KEYS to .dev.vars (git-ignored), so the demo's keys survive restarts.
// Extra arguments pass through: `npm start -- --port 9000`.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ensureDevVarsSigningKey } from "./gen-signing-key.mjs";

/** Adds `NAME="<random>"` to the .dev.vars file at `path` unless it sets NAME. True when it wrote. */
function ensureDevVar(path, name, comment) {
  const current = existsSync(path) ? readFileSync(path, "utf8") : "";
  if (new RegExp(`^\\s*${name}\\s*=\\s*\\S`, "m").test(current)) return false;
  const value = randomBytes(32).toString("base64url");
  const separator = current === "" || current.endsWith("\n") ? "" : "\n";
  appendFileSync(path, `${separator}# Written by npm start. ${comment}\n${name}="${value}"\n`);
  return true;
}

/** Adds a random SESSION_SECRETS to the .dev.vars file at `path` unless it has one. True when it wrote. */
export function ensureDevSecret(path) {
  return ensureDevVar(path, "SESSION_SECRETS", "Newest first, comma-separated, each >= 32 characters.");
}

/** Adds a random SESSION_NAMING_KEY (names each user's Durable Objects; never rotate it). True when it wrote. */
export function ensureDevNamingKey(path) {
  return ensureDevVar(path, "SESSION_NAMING_KEY", "Names each user's Durable Objects: never rotate it.");
}

async function main() {
  const root = fileURLToPath(new URL("..", import.meta.url));
  if (ensureDevSecret(`${root}.dev.vars`)) {
    console.log("npm start: wrote a new random SESSION_SECRETS to .dev.vars (git-ignored; never commit it).");
  }
  if (ensureDevNamingKey(`${root}.dev.vars`)) {
    console.log(
      "npm start: wrote a new random SESSION_NAMING_KEY to .dev.vars (names the demo's Durable Objects).",
    );
  }
  if (await ensureDevVarsSigningKey(`${root}.dev.vars`)) {
    console.log(
      "npm start: wrote a new token signing key TOKEN_SIGNING_KEYS to .dev.vars (a development key).",
    );
  }
  const wrangler = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));
  const child = spawn(process.execPath, [wrangler, "dev", "--local", ...process.argv.slice(2)], {
    cwd: root,
    stdio: "inherit",
    // Miniflare fetches workers.cloudflare.com/cf.json for `request.cf` (offline: an ENOTFOUND stack
    // trace, twice); the demo reads nothing from `request.cf`, so use its built-in placeholder.
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
    },
  });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
