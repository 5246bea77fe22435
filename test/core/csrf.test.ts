import { it } from "vitest";
import cases from "../cases/core-csrf.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
