import { it } from "vitest";
import cases from "../cases/core-schema.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
