import { it } from "vitest";
import manager from "../cases/revocation-manager.cases.ts";
import store from "../cases/revocation-store.cases.ts";

for (const cases of [store, manager]) cases({ test: (name, fn) => it(name, fn) });
