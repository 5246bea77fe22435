import { it } from "vitest";
import cases from "../cases/store.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
