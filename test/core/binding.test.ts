import { it } from "vitest";
import cases from "../cases/core-binding.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
