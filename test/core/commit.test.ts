import { it } from "vitest";
import cases from "../cases/core-commit.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
