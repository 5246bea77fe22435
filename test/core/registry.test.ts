import { it } from "vitest";
import cases from "../cases/registry.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
