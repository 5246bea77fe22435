import { it } from "vitest";
import ids from "../cases/revocation-ids.cases.ts";
import manager from "../cases/revocation-manager.cases.ts";
import store from "../cases/revocation-store.cases.ts";

for (const cases of [store, manager, ids]) cases({ test: (name, fn) => it(name, fn) });
