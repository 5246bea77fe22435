import { it } from "vitest";
import cases from "../cases/core-lifecycle.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
