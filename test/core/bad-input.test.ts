import { it } from "vitest";
import cases from "../cases/core-bad-input.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
