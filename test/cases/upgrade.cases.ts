/**
 * Upgrades log nobody out: every cookie and sealed value an earlier release made (committed under
 * test/fixtures/upgrade/, one file per release, by scripts/upgrade-fixtures.ts) still loads, with its
 * id, user, data, flash and lifetime, and is not rewritten merely because this release is newer.
 */
import assert from "node:assert/strict";
import { createSessions, type SessionsOptions, unseal } from "sealed-session";
import { releases } from "../fixtures/upgrade/index.ts";
import type { Suite } from "../harness.ts";

/** A minute after sealing: well inside every fixture's lifetime and idle timeout. */
const LATER = 60_000;

export default (t: Suite) => {
  for (const release of releases) {
    const now = () => release.sealedAt + LATER;
    for (const fixture of release.sessions) {
      t.test(`${release.release} › ${fixture.name} loads unchanged`, async () => {
        const options = { ...(fixture.options as SessionsOptions), secrets: release.secrets, now };
        const sessions = createSessions(options);
        const session = await sessions.load(new Headers({ cookie: fixture.cookie }));
        assert.equal(session.invalidReason, undefined);
        assert.equal(session.isNew, false);
        assert.equal(session.id, fixture.expect.id);
        assert.equal(session.userId ?? null, fixture.expect.userId);
        assert.deepEqual({ ...session.data }, fixture.expect.data);
        assert.equal(session.issuedAt, fixture.expect.issuedAt);
        assert.equal(session.expiresAt, fixture.expect.expiresAt);
        assert.equal(session.persistent, fixture.expect.persistent);
        const flash = fixture.expect.flash as Record<string, unknown>;
        for (const [key, value] of Object.entries(flash))
          assert.deepEqual(session.flash(key as never), value);
      });

      t.test(`${release.release} › ${fixture.name}: an untouched session is not rewritten`, async () => {
        // A cookie sealed with a secret that is no longer first is re-sealed with the newest anyway.
        const rotated = fixture.name.includes("older secret");
        const sessions = createSessions({
          ...(fixture.options as SessionsOptions),
          secrets: release.secrets,
          now,
        });
        const session = await sessions.load(new Headers({ cookie: fixture.cookie }));
        const headers = new Headers();
        await sessions.commit(session, headers);
        assert.equal(headers.getSetCookie().length > 0, rotated);
      });
    }

    for (const fixture of release.seals) {
      t.test(`${release.release} › ${fixture.name} unseals`, async () => {
        const value = await unseal(fixture.token, {
          secrets: release.secrets,
          format: fixture.format as "jwe" | "iron",
          purpose: fixture.purpose,
          now,
        });
        assert.deepEqual(value, fixture.value);
      });
    }
  }
};
