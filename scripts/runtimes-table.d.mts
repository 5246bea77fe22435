/** Figures of a run (`runtimes.mjs --json`) or of `runtimes.mjs --describe`; the table uses these fields only. */
export interface RuntimesFigures {
  expected: { tests: number; files: number };
  results: { id: string; what: string; fromMachine?: boolean; version: string | null }[];
}
/** The "Tested on" table for these figures (Markdown, before formatting). */
export function renderTable(run: RuntimesFigures): string;
/** `text` with the table between the markers replaced and formatted by Biome; undefined without markers. */
export function withTable(text: string, table: string, path: string): string | undefined;
/** Today's figures without running any test (`runtimes.mjs --describe`). */
export function describe(): RuntimesFigures;
/** The files (docs/runtimes.md, README.md) whose table differs from what these figures make. */
export function staleFiles(run: RuntimesFigures, read?: (path: string) => string): string[];
