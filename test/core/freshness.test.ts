import { it } from "vitest";
import cases from "../cases/core-freshness.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
