import { it } from "vitest";
import cases from "../cases/core-keys.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
