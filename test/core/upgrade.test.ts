import { it } from "vitest";
import cases from "../cases/upgrade.cases.ts";

cases({ test: (name, fn) => it(name, fn) });
