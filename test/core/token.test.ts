import { it } from "vitest";
import encrypted from "../cases/token-encrypted.cases.ts";
import signed from "../cases/token-signed.cases.ts";

for (const cases of [signed, encrypted]) cases({ test: (name, fn) => it(name, fn) });
