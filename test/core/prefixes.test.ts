import { it } from "vitest";
import cases from "../cases/core-prefixes.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
