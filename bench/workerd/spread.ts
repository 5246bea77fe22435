/**
 * How steady the workerd figures are from one invocation to the next:
 *
 *   npm run bench:workerd -- --json a.json   (three times, or more)
 *   node bench/workerd/spread.ts a.json b.json c.json [--docs]
 *
 * prints each ratio and each request's µs per invocation, with max ÷ min, and with `--docs` puts that
 * table into docs/performance.md (between its bench:workerd-spread markers).
 */
/// <reference types="node" />
import { readFileSync } from "node:fs";
import process from "node:process";
import { RATIOS, replaceBlock } from "./main.ts";

interface Saved {
  basis: "cpu" | "wall";
  machine: { date: string; loadavg: number[] };
  cases: Record<string, { cpu_us?: number; wall_us: number }>;
  ratios: Record<string, number>;
  ratios_wall: Record<string, number>;
  command: string;
}

const files = process.argv.slice(2).filter((a) => !a.startsWith("--"));
if (files.length < 2) {
  process.stderr.write("usage: node bench/workerd/spread.ts a.json b.json [c.json …] [--docs]\n");
  process.exit(2);
}
const reports = files.map((file) => JSON.parse(readFileSync(file, "utf8")) as Saved);
const basis = reports.every((r) => r.basis === "cpu") ? "cpu" : "wall";
const fmt = (n: number | undefined, digits: number) => (n === undefined ? "—" : n.toFixed(digits));

function row(label: string, values: (number | undefined)[], digits: number): string {
  const known = values.filter((v): v is number => v !== undefined);
  const spread = known.length > 1 ? Math.max(...known) / Math.min(...known) : undefined;
  return `${label.padEnd(42)}${values.map((v) => fmt(v, digits).padStart(9)).join("")}${fmt(spread, 2).padStart(10)}`;
}

const head = `${"".padEnd(42)}${reports.map((_, i) => `#${i + 1}`.padStart(9)).join("")}${"max÷min".padStart(10)}`;
const lines = [
  `${reports.length} invocations of \`${reports[0]!.command}\`, each the median of its workerd processes; ` +
    `ratios and µs from ${basis === "cpu" ? "CPU time" : "the Worker's clock"}`,
  `load (1-min average) ${reports.map((r) => r.machine.loadavg.join("→")).join(", ")}; ${reports.map((r) => r.machine.date.slice(0, 16)).join(", ")} UTC`,
  "",
  head,
  ...RATIOS.map((def) =>
    row(
      def.key,
      reports.map((r) => r.ratios[def.key]),
      2,
    ),
  ),
  "",
  "µs per request",
  ...Object.keys(reports[0]!.cases).map((name) =>
    row(
      name,
      reports.map((r) => (basis === "cpu" ? r.cases[name]?.cpu_us : r.cases[name]?.wall_us)),
      1,
    ),
  ),
  ...(basis === "cpu"
    ? [
        "",
        "The same ratios from the Worker's clock (wall)",
        ...RATIOS.map((def) =>
          row(
            def.key,
            reports.map((r) => r.ratios_wall[def.key]),
            2,
          ),
        ),
      ]
    : []),
];
const text = lines.join("\n");
process.stdout.write(`${text}\n`);
if (process.argv.includes("--docs")) {
  replaceBlock("docs/performance.md", "bench:workerd-spread", `\`\`\`text\n${text}\n\`\`\`\n`);
}
