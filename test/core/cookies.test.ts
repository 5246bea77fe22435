import { it } from "vitest";
import cases from "../cases/core-cookies.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
