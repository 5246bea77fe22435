/**
 * Upgrades log nobody out: every cookie and sealed value an earlier release made (committed under
 * test/fixtures/upgrade/, one file per release, by scripts/upgrade-fixtures.ts) still loads, with its
 * id, user, data, flash and lifetime, and is not rewritten merely because this release is newer.
 */
import assert from "node:assert/strict";
import { createSessions, type SessionsOptions, UnsealError, unseal } from "sealed-session";
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
        const options = fixture.options as SessionsOptions;
        // Re-sealed anyway: a cookie sealed with a secret that is no longer first, and a 0.1 iron
        // cookie (raw secret, not bound to its cookie name), which is re-sealed bound once.
        const rewritten =
          fixture.name.includes("older secret") || (release.release === "0.1.0" && options.format === "iron");
        const sessions = createSessions({ ...options, secrets: release.secrets, now });
        const session = await sessions.load(new Headers({ cookie: fixture.cookie }));
        const headers = new Headers();
        await sessions.commit(session, headers);
        assert.equal(headers.getSetCookie().length > 0, rewritten);
        if (!rewritten) return;
        // What was written loads, and a 0.1 iron cookie no longer needs the transition option.
        const cookie = headers
          .getSetCookie()
          .map((line) => line.slice(0, line.indexOf(";")))
          .join("; ");
        const strict = createSessions({ ...options, secrets: release.secrets, now, acceptLegacyIron: false });
        const again = await strict.load(new Headers({ cookie }));
        assert.equal(again.invalidReason, undefined);
        assert.equal(again.id, fixture.expect.id);
        assert.deepEqual({ ...again.data }, fixture.expect.data);
      });

      if (release.release === "0.1.0" && (fixture.options as SessionsOptions).format === "iron") {
        t.test(`0.1.0 › ${fixture.name}: refused once acceptLegacyIron ends`, async () => {
          for (const acceptLegacyIron of [false, new Date(release.sealedAt + LATER - 1)]) {
            const sessions = createSessions({
              ...(fixture.options as SessionsOptions),
              secrets: release.secrets,
              now,
              acceptLegacyIron,
            });
            const session = await sessions.load(new Headers({ cookie: fixture.cookie }));
            assert.equal(session.invalidReason, "bad_seal", String(acceptLegacyIron));
          }
        });
      }
    }

    for (const fixture of release.seals) {
      // 0.1 sealed iron tokens with the raw secret whatever their purpose: they unseal with a
      // purpose only when the app accepts such legacy tokens (see acceptLegacyIron).
      const legacy =
        release.release === "0.1.0" && fixture.format === "iron" && fixture.purpose !== undefined;
      t.test(`${release.release} › ${fixture.name} unseals`, async () => {
        const value = await unseal(fixture.token, {
          secrets: release.secrets,
          format: fixture.format as "jwe" | "iron",
          purpose: fixture.purpose,
          now,
          acceptLegacyIron: legacy,
        });
        assert.deepEqual(value, fixture.value);
      });
      if (legacy) {
        t.test(`0.1.0 › ${fixture.name}: refused for its purpose without acceptLegacyIron`, async () => {
          await assert.rejects(
            unseal(fixture.token, { secrets: release.secrets, purpose: fixture.purpose, now }),
            (error: unknown) => error instanceof UnsealError && error.code === "bad_seal",
          );
        });
      }
    }
  }
};
