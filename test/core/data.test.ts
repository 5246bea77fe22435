import { it } from "vitest";
import cases from "../cases/core-data.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
