import assert from "node:assert/strict";
import { createSessions, generateSecret } from "sealed-session";
import type { Suite } from "../harness.ts";

export default (t: Suite) => {
  t.test("a changed session round-trips through its cookie", async () => {
    const sessions = createSessions<{ views: number }>({ secrets: generateSecret() });
    const first = await sessions.load(new Request("https://example.com/"));
    first.data.views = 1;
    const headers = new Headers();
    await sessions.commit(first, headers);
    const cookie = headers.getSetCookie()[0]?.split(";")[0] ?? "";
    const second = await sessions.load(new Request("https://example.com/", { headers: { cookie } }));
    assert.equal(second.isNew, false);
    assert.deepEqual(second.data, { views: 1 });
  });
};
