import { it } from "vitest";
import cases from "../cases/smoke.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
