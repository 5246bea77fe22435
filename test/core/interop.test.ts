import { it } from "vitest";
import cases from "../cases/core-interop.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
