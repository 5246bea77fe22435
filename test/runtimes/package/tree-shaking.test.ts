// A Worker that imports only the core must not pay for the Hono middleware, the Workers helpers, the
// revocation stores, the token code (refresh-token families included), the registry or the data
// store: their code comes with the option that asks for it. Both Workers are bundled the way an app deploys them, with
// `wrangler deploy --dry-run`, against the built package; the second uses everything, which shows
// that the check does find those modules when they are there.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

const root = new URL("../../../", import.meta.url).pathname;
const folder = "test/runtimes/package/core-worker";
const out = mkdtempSync(join(tmpdir(), "sealed-session-bundle-"));

/** Modules a core-only app must not contain (paths as esbuild's module comments name them). */
const NOT_CORE = [
  /\/dist\/hono\//,
  /\/node_modules\/hono\//,
  /\/dist\/workers\//,
  /\/dist\/token\//,
  /\/dist\/revocation\/(?!policy\.js$|types\.js$)/,
  /\/dist\/lib\/redis\.js$/,
  // The registry's and the store's manager-side code travels with their backends (src/lib/feature.ts).
  /\/dist\/registry\//,
  /\/dist\/store\//,
  /\/dist\/cloudflare\//,
];

interface Bundle {
  code: string;
  modules: string[];
}

async function bundle(config: string, name: string, minify = false): Promise<Bundle> {
  const outdir = join(out, minify ? `${name}-min` : name);
  const wrangler = join(root, "node_modules/.bin/wrangler");
  await promisify(execFile)(
    process.execPath,
    [
      wrangler,
      "deploy",
      "--dry-run",
      "--outdir",
      outdir,
      "--config",
      config,
      ...(minify ? ["--minify"] : []),
    ],
    {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    },
  );
  const code = readFileSync(join(outdir, `${name}.js`), "utf8");
  // esbuild (inside wrangler) heads every bundled module with a `// <path>` comment.
  const modules = [...code.matchAll(/^\/\/ (\S+\.[cm]?[jt]s)$/gm)].map((match) => match[1] ?? "");
  return { code, modules };
}

/** Raw and gzip size, and which packages the raw bytes come from (split at the module comments). */
function describeSize({ code }: Bundle): string {
  const shares = new Map<string, number>();
  const pieces = code.split(/^\/\/ (\S+\.[cm]?[jt]s)$/m);
  for (let i = 1; i < pieces.length; i += 2) {
    const path = pieces[i] ?? "";
    const owner =
      path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ??
      (path.includes("/dist/") ? "sealed-session" : "app");
    shares.set(owner, (shares.get(owner) ?? 0) + Buffer.byteLength(pieces[i + 1] ?? ""));
  }
  const parts = [...shares].sort((a, b) => b[1] - a[1]).map(([owner, bytes]) => `${owner} ${kib(bytes)}`);
  return `${kib(Buffer.byteLength(code))} KiB raw, ${kib(gzipSync(code).byteLength)} KiB gzip (${parts.join(", ")})`;
}

const offending = (modules: string[]) =>
  modules.filter((path) => NOT_CORE.some((pattern) => pattern.test(path)));

let core: Bundle;
let coreMinified: Bundle;
let full: Bundle;
before(async () => {
  [core, coreMinified, full] = await Promise.all([
    bundle(`${folder}/wrangler.toml`, "worker"),
    bundle(`${folder}/wrangler.toml`, "worker", true),
    bundle(`${folder}/full.wrangler.toml`, "full-worker"),
  ]);
});
after(() => rmSync(out, { recursive: true, force: true }));

test("the core-only Worker bundles the built package (dist/), not the sources", () => {
  assert.ok(core.modules.includes("../../../../dist/session/manager.js"), core.modules.join("\n"));
  assert.ok(!core.modules.some((path) => path.includes("/src/")));
});

test("the core-only Worker contains no Hono middleware, Workers helper, revocation store, token, registry or store code", () => {
  assert.deepEqual(offending(core.modules), []);
  for (const name of [
    "memoryRevocationStore",
    "kvRevocationStore",
    "denoKvRevocationStore",
    "redisRevocationStore",
    "createMiddleware",
    // Declarations: the start-up message for a backend without its code names them.
    "function memoryRegistry(",
    "function memoryStore(",
    "function checkRegistry(",
    "function loadStoredData(",
    "function issueFamily(",
  ]) {
    assert.ok(!core.code.includes(name), `${name} is in the core-only bundle`);
  }
  console.log(`core-only Worker (wrangler, not minified): ${describeSize(core)}`);
});

test("the control Worker, which uses them, is found to contain them", () => {
  const found = offending(full.modules).join("\n");
  for (const part of [
    "/dist/hono/",
    "/node_modules/hono/",
    "/dist/revocation/kv.js",
    "/dist/revocation/memory.js",
    "/dist/registry/check.js",
    "/dist/registry/memory.js",
    "/dist/store/load.js",
    "/dist/store/memory.js",
  ]) {
    assert.ok(found.includes(part), `${part} not detected in:\n${found}`);
  }
  console.log(`Worker with Hono and stores: ${describeSize(full)}`);
});

const kib = (bytes: number) => (bytes / 1024).toFixed(1);

// The figures docs/runtimes.md states, between its markers: what these bundles are today (wrangler
// writes the same bytes wherever the repository is). WRITE_DOCS=1 rewrites them.
test("docs/runtimes.md states what these bundles weigh today", () => {
  const docsUrl = new URL("docs/runtimes.md", `file://${root}`);
  const docs = readFileSync(docsUrl, "utf8");
  const START = "<!-- worker-size:start -->";
  const END = "<!-- worker-size:end -->";
  const at = docs.indexOf(START);
  const end = docs.indexOf(END);
  assert.ok(at !== -1 && end > at, `docs/runtimes.md needs the markers ${START} … ${END}`);
  const minified = coreMinified.code;
  const block = [
    `- the core-only Worker: ${describeSize(core)}`,
    `- the same, \`wrangler deploy --minify\`: ${kib(Buffer.byteLength(minified))} KiB, ${kib(gzipSync(minified).byteLength)} KiB gzip`,
    `- the control Worker (Hono, the revocation stores, a registry, a data store, the token reasons): ${describeSize(full)}`,
  ].join("\n");
  const fresh = `${docs.slice(0, at + START.length)}\n${block}\n${docs.slice(end)}`;
  if (process.env.WRITE_DOCS === "1") writeFileSync(docsUrl, fresh);
  else
    assert.equal(
      docs.slice(at, end + END.length),
      fresh.slice(at, fresh.indexOf(END) + END.length),
      "docs/runtimes.md is stale: WRITE_DOCS=1 npm run -s build && WRITE_DOCS=1 node --test test/runtimes/package/tree-shaking.test.ts",
    );
});
