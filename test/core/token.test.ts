import { it } from "vitest";
import encrypted from "../cases/token-encrypted.cases.ts";
import sessions from "../cases/token-sessions.cases.ts";
import signed from "../cases/token-signed.cases.ts";

for (const cases of [signed, encrypted, sessions]) cases({ test: (name, fn) => it(name, fn) });
