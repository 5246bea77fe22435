// Seals upgrade fixtures with the library as it is now, for every later release to load:
//   node scripts/upgrade-fixtures.ts      (writes test/fixtures/upgrade/<version>.ts and index.ts)
// Run it once per release, before changing anything that touches cookies, and commit the file. An
// existing file is never overwritten: those cookies are what users of that release hold.
// test/cases/upgrade.cases.ts loads every release's fixtures on every runtime. They are TypeScript
// modules rather than JSON so that every runner (workerd, Node 20 on compiled cases) imports them alike.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSessions, generateSecret, type SessionsOptions, seal } from "../src/index.ts";

const root = join(import.meta.dirname, "..");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
const dir = join(root, "test", "fixtures", "upgrade");
const out = join(dir, `${version}.ts`);
if (existsSync(out)) {
  console.error(`${out} exists: fixtures of a release are never rewritten. Bump the version first.`);
  process.exit(1);
}

/** The moment every fixture was sealed; loaders set their clock a little after it. */
const SEALED_AT = Date.now();
const secrets = [generateSecret(), generateSecret()];

type Options = Omit<SessionsOptions, "secrets" | "now">;
interface Scenario {
  readonly name: string;
  readonly options: Options;
  readonly userId?: string;
  readonly data: Record<string, unknown>;
  readonly flash?: Record<string, unknown>;
  /** Seal with the second listed secret (a cookie from before a rotation). */
  readonly olderSecret?: boolean;
}

const big = Object.fromEntries(
  Array.from({ length: 60 }, (_, i) => [`item${i}`, `${generateSecret()}${generateSecret()}`]),
);
const scenarios: Scenario[] = [];
for (const format of ["jwe", "iron"] as const) {
  const base: Options = { format, maxAge: 30 * 86_400 };
  scenarios.push(
    { name: `${format}: anonymous with data`, options: base, data: { views: 3, theme: "dark" } },
    {
      name: `${format}: logged in`,
      options: base,
      userId: "ada@example.com",
      data: { views: 1, cart: ["book", "pen"], note: "héllo ✓" },
    },
    {
      name: `${format}: logged in with flash`,
      options: base,
      userId: "grace",
      data: { step: 2 },
      flash: { notice: "Saved", count: 2 },
    },
    {
      name: `${format}: chunked`,
      // Written as large as the reader accepts: a release's defaults may cap writes lower.
      options: { ...base, cookie: { maxBytes: 4 * 4096 } },
      userId: "linus",
      data: big,
    },
    {
      name: `${format}: browser-session cookie with idle timeout`,
      options: { ...base, persistent: false, idleTimeout: 3600 },
      userId: "barbara",
      data: { idle: true },
    },
    {
      name: `${format}: sealed with the older secret`,
      options: base,
      userId: "ken",
      data: { rotated: true },
      olderSecret: true,
    },
    {
      name: `${format}: custom cookie name`,
      options: { ...base, cookie: { name: "app", prefix: "__Secure-" } },
      data: { named: 1 },
    },
  );
}
scenarios.push({
  name: "iron with iron-session's ~2 suffix",
  options: { format: "iron", ironSuffix: "~2", maxAge: 30 * 86_400 },
  userId: "margaret",
  data: { suffix: true },
});

const sessionFixtures = [];
for (const scenario of scenarios) {
  const listed = scenario.olderSecret ? [secrets[1]!] : secrets;
  const sessions = createSessions({ ...scenario.options, secrets: listed, now: () => SEALED_AT });
  const session = await sessions.load(new Headers());
  if (scenario.userId !== undefined) session.login(scenario.userId);
  Object.assign(session.data, scenario.data);
  for (const [key, value] of Object.entries(scenario.flash ?? {}))
    session.flash(key as never, value as never);
  const headers = new Headers();
  await sessions.commit(session, headers);
  const cookies = headers.getSetCookie().map((line) => line.slice(0, line.indexOf(";")));
  sessionFixtures.push({
    name: scenario.name,
    options: scenario.options,
    cookie: cookies.join("; "),
    expect: {
      id: session.id,
      userId: session.userId ?? null,
      data: scenario.data,
      flash: scenario.flash ?? {},
      issuedAt: session.issuedAt,
      expiresAt: session.expiresAt,
      persistent: session.persistent,
    },
  });
}

const value = { ok: true, list: [1, 2, 3], nested: { a: "b" } };
const sealFixtures = [];
for (const format of ["jwe", "iron"] as const) {
  for (const purpose of [undefined, "password-reset"]) {
    const token = await seal(value, { secrets, format, purpose, ttl: 400 * 86_400, now: () => SEALED_AT });
    sealFixtures.push({ name: `seal ${format}${purpose ? ` for ${purpose}` : ""}`, format, purpose, token });
  }
}

mkdirSync(dir, { recursive: true });
const fixture = {
  release: version,
  note: "Cookies and tokens sealed by this release (scripts/upgrade-fixtures.ts). Test secrets only.",
  sealedAt: SEALED_AT,
  secrets,
  sessions: sessionFixtures,
  seals: sealFixtures.map((item) => ({ ...item, value })),
};
writeFileSync(
  out,
  `// Sealed by sealed-session ${version} (scripts/upgrade-fixtures.ts). Never edit: users hold these cookies.\n` +
    `export default ${JSON.stringify(fixture, null, 2)};\n`,
);
// The index lists every release's file, oldest first.
const releases = readdirSync(dir)
  .filter((name) => /^\d+\.\d+\.\d+.*\.ts$/.test(name))
  .map((name) => name.slice(0, -3))
  .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
const ident = (release: string) => `release_${release.replace(/\W/g, "_")}`;
writeFileSync(
  join(dir, "index.ts"),
  "// Generated by scripts/upgrade-fixtures.ts: every release's fixtures, oldest first.\n" +
    releases.map((release) => `import ${ident(release)} from "./${release}.ts";\n`).join("") +
    `\nexport const releases = [${releases.map(ident).join(", ")}];\n`,
);
console.log(`wrote ${out}: ${sessionFixtures.length} session cookies, ${sealFixtures.length} sealed values`);
