import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { generateSecret } from "sealed-session";
import { it } from "vitest";
import { viewCounter } from "../../examples/quick-start.ts";
import { Jar, parseSetCookie } from "../support/http.ts";

it("the quick start counts each visitor's views", async () => {
  const fetch = viewCounter(generateSecret());
  const ada = new Jar();
  const visit = async (jar: Jar) => {
    const response = await fetch(jar.request());
    assert.equal(response.status, 200);
    jar.apply(response.headers);
    return response;
  };
  const first = await visit(ada);
  assert.equal(await first.text(), "1 views");
  assert.equal(first.headers.get("cache-control"), "private, no-store");
  const cookie = parseSetCookie(first.headers.get("set-cookie") ?? "");
  assert.equal(cookie.name, "__Host-session");
  assert.equal(cookie.attributes.get("httponly"), true);
  assert.equal(await (await visit(ada)).text(), "2 views");
  assert.equal(await (await visit(ada)).text(), "3 views");
  assert.equal(await (await visit(new Jar())).text(), "1 views", "another visitor starts at 1");
});

it("the quick start stays at most 12 lines of code", () => {
  const source = readFileSync(new URL("../../examples/quick-start.ts", import.meta.url), "utf8");
  const code = source.split("\n").filter((line) => line.trim() !== "" && !/^\s*(\/\/|\/\*\*|\*)/.test(line));
  assert.ok(code.length <= 12, `${code.length} lines`);
});
