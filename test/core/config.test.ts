import { it } from "vitest";
import cases from "../cases/core-config.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
