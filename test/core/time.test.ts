import { it } from "vitest";
import cases from "../cases/core-time.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
