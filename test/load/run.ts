// `npm run load`: the demo under `wrangler dev` on loopback, first under load, then with its KV
// failing and stalling for a while. Bounded in requests and time; stops wrangler by itself. The
// last line gives the 5xx and wrong-answer counts; the exit code is 1 when either is not 0.
//
//   npm run load -- --requests 10000 --concurrency 50 --budget 170 [--no-faults]
import { parseArgs } from "node:util";
import { startWranglerDev } from "../support/wrangler-dev.ts";
import { anonymous, isFailClosed, isRight, populate, type Visitor, visit } from "./clients.ts";
import { latencySummary, pool } from "./stats.ts";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "50" },
    /** Seconds the load phase may take before it stops early. */
    budget: { type: "string", default: "170" },
    "no-faults": { type: "boolean", default: false },
  },
});
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const BUDGET_MS = Number(args.budget) * 1000;

let serverErrors = 0;
let wrong = 0;
const problems: string[] = [];
/** Notes a wrong answer; the first few are described (kind and status only, never cookies). */
function noteWrong(what: string): void {
  wrong++;
  if (problems.length < 10) problems.push(what);
}

/** What an answer said, for a wrong-answer line: status, user and reason, nothing else. */
function describeAnswer(
  visitor: Visitor,
  status: number,
  me: { user: unknown; invalidReason: unknown } | undefined,
) {
  const said =
    me === undefined ? "no JSON" : `user ${JSON.stringify(me.user)}, reason ${String(me.invalidReason)}`;
  return `${visitor.kind}${visitor.user === null ? "" : ` (${visitor.user})`}: status ${status}, ${said}`;
}

async function loadRun(): Promise<string[]> {
  const dev = await startWranglerDev();
  try {
    const people = await populate(dev.base, "", 16, 4);
    const regulars = Array.from({ length: 10 }, anonymous);
    // Per 20 requests: 4 anonymous (half new visitors), 8 logged-in, 3 chunked, 3 tampered, 2 revoked.
    const pick = (i: number): Visitor => {
      const slot = i % 20;
      const round = Math.floor(i / 20);
      const from = (list: Visitor[]) => list[(round * 7 + slot) % list.length] as Visitor;
      if (slot < 2) return anonymous();
      if (slot < 4) return from(regulars);
      if (slot < 12) return from(people.users);
      if (slot < 15) return from(people.chunked);
      if (slot < 18) return from(people.tampered);
      return from(people.revoked);
    };
    const kinds = ["anonymous", "logged-in", "chunked", "tampered", "revoked"] as const;
    const counts = new Map<string, number>(kinds.map((kind) => [kind, 0]));
    const latencies: number[] = [];
    const started = performance.now();
    const stopAt = started + BUDGET_MS;
    await pool(
      REQUESTS,
      CONCURRENCY,
      async (i) => {
        const visitor = pick(i);
        const sent = performance.now();
        try {
          const answer = await visit(dev.base, visitor);
          latencies.push(performance.now() - sent);
          counts.set(visitor.kind, (counts.get(visitor.kind) ?? 0) + 1);
          if (answer.status >= 500) serverErrors++;
          if (!isRight(visitor, answer)) noteWrong(describeAnswer(visitor, answer.status, answer.me));
        } catch (error) {
          noteWrong(`${visitor.kind}: request failed (${error instanceof Error ? error.name : "error"})`);
        }
      },
      () => performance.now() > stopAt,
    );
    const seconds = (performance.now() - started) / 1000;
    const done = latencies.length;
    const lines = [
      `load: ${done} requests at concurrency ${CONCURRENCY} in ${seconds.toFixed(1)} s = ${(done / seconds).toFixed(0)} requests/s`,
      `  latency: ${latencySummary(latencies)}`,
      `  mix: ${[...counts].map(([kind, n]) => `${kind} ${n}`).join(", ")}`,
    ];
    if (done < REQUESTS) {
      noteWrong(
        `the load phase stopped at its ${BUDGET_MS / 1000} s budget after ${done} of ${REQUESTS} requests`,
      );
    }
    return lines;
  } finally {
    await dev.stop();
  }
}

// The fault timeline, in ms after the Worker's first API request (KV_FAULT's "+" anchor).
const MEMO_TTL = 5000; // kvRevocationStore's default: a "not revoked" answer is reused that long
const FAIL = { from: 10_000, to: 20_000 };
// Longer: a stalled check answers only after the store timeout (2 s).
const STALL = { from: 24_000, to: 38_000 };
const END = 42_000;

async function faultRun(): Promise<string[]> {
  const setting = `fail:+${FAIL.from}-+${FAIL.to},stall:+${STALL.from}-+${STALL.to}`;
  const dev = await startWranglerDev({ vars: { KV_FAULT: setting } });
  try {
    // The Worker's first API request starts its fault clock: somewhere between t0 and t1.
    const t0 = Date.now();
    const first = await visit(dev.base, anonymous());
    const t1 = Date.now();
    if (first.status !== 200) throw new Error(`the first request answered ${first.status}`);
    const people = await populate(dev.base, "fault-", 6, 2);
    // t1 is later than the anchor; using it for "after" and "inside" judgements only makes them stricter.
    if (Date.now() > t0 + FAIL.from - 1000) {
      throw new Error("setting up the fault run took longer than the time before the first fault window");
    }
    const visitors = [
      ...people.users,
      ...people.chunked,
      ...people.tampered,
      ...people.revoked,
      ...Array.from({ length: 4 }, anonymous),
    ];
    const signedIn = [...people.users, ...people.chunked];
    const stats = {
      total: 0,
      failClosed: { fail: 0, stall: 0 },
      insideStrict: { fail: 0, stall: 0 },
      back: { fail: new Set<Visitor>(), stall: new Set<Visitor>() },
      afterwards: 0,
    };
    const windows = [
      ["fail", FAIL],
      ["stall", STALL],
    ] as const;
    let next = 0;
    await pool(
      Number.POSITIVE_INFINITY,
      20,
      async () => {
        const visitor = visitors[next++ % visitors.length] as Visitor;
        const sent = Date.now();
        let answer: Awaited<ReturnType<typeof visit>>;
        try {
          answer = await visit(dev.base, visitor);
        } catch (error) {
          noteWrong(
            `fault run, ${visitor.kind}: request failed (${error instanceof Error ? error.name : "error"})`,
          );
          return;
        }
        const received = Date.now();
        stats.total++;
        if (answer.status >= 500) serverErrors++;
        const right = isRight(visitor, answer);
        const failClosed = isFailClosed(visitor, answer);
        let verdict = right;
        for (const [name, window] of windows) {
          if (failClosed && sent < t0 + window.to && received > t1 + window.from) stats.failClosed[name]++;
          // Could this request have met the fault? Then the fail-closed answer is right too.
          const overlaps = received >= t0 + window.from && sent <= t1 + window.to;
          if (overlaps) verdict ||= failClosed;
          // Past the memo's reuse time, every check reads KV, so fail-closed is the only right answer.
          const surelyInside = sent >= t1 + window.from + MEMO_TTL && received <= t0 + window.to;
          if (surelyInside && signedIn.includes(visitor)) {
            stats.insideStrict[name]++;
            verdict = failClosed;
          }
          if (right && sent > t1 + window.to && signedIn.includes(visitor)) stats.back[name].add(visitor);
        }
        if (sent > t1 + STALL.to) stats.afterwards++;
        if (!verdict)
          noteWrong(`fault run at +${sent - t0} ms, ${describeAnswer(visitor, answer.status, answer.me)}`);
      },
      () => Date.now() > t0 + END,
    );

    const lines = [`faults (KV_FAULT=${setting}): ${stats.total} requests, concurrency 20`];
    for (const [name] of windows) {
      const back = stats.back[name].size;
      lines.push(
        `  ${name} window: ${stats.failClosed[name]} fail-closed answers (anonymous, revocation_unavailable, no Set-Cookie), ` +
          `${stats.insideStrict[name]} of them past the memo time; logged in again afterwards: ${back} of ${signedIn.length} sessions`,
      );
      if (stats.insideStrict[name] === 0) noteWrong(`the ${name} window saw no request past the memo time`);
      if (back < signedIn.length)
        noteWrong(`after the ${name} window ${signedIn.length - back} sessions stayed logged out`);
    }
    lines.push(`  after the last window: ${stats.afterwards} requests, each judged like the load run`);
    return lines;
  } finally {
    await dev.stop();
  }
}

const overall = performance.now();
// The run must end within 5 minutes whatever happens; exiting also stops wrangler (see wrangler-dev.ts).
setTimeout(() => {
  console.log(`5xx: ${serverErrors}, wrong answers: ${wrong} (stopped at the 290 s limit, run incomplete)`);
  process.exit(1);
}, 290_000).unref();
const lines: string[] = [];
let crashed: unknown;
try {
  lines.push(...(await loadRun()));
  if (!args["no-faults"]) lines.push(...(await faultRun()));
} catch (error) {
  crashed = error;
}
console.log(
  `\nsealed-session demo under wrangler dev (${((performance.now() - overall) / 1000).toFixed(0)} s in all)`,
);
for (const line of lines) console.log(line);
for (const problem of problems) console.log(`  wrong: ${problem}`);
if (crashed !== undefined)
  console.log(`  the run stopped: ${crashed instanceof Error ? crashed.message : String(crashed)}`);
console.log(
  `5xx: ${serverErrors}, wrong answers: ${wrong}${crashed === undefined ? "" : " (run incomplete)"}`,
);
process.exit(serverErrors === 0 && wrong === 0 && crashed === undefined ? 0 : 1);
