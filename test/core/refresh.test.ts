import { it } from "vitest";
import cases from "../cases/refresh.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
