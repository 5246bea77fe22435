// Changelog generator for `changeset version`, run by `npm run release` (scripts/release.ts): each
// entry becomes its headline and its detail. The upgrade notes of the
// entries go into the release's "Upgrading from …" section, which scripts/release.ts writes; so this
// generator refuses to run outside it, where those notes would be lost with the deleted entries.
// Needs no network (unlike @changesets/changelog-github).
import { parseBody, renderChange } from "../scripts/changesets.ts";

function requireRelease() {
  if (process.env.SEALED_SESSION_RELEASE !== "1") {
    throw new Error(
      "Run `npm run release` (docs/releasing.md) instead of `changeset version`: it also writes the " +
        "release's upgrade notes, which the entries being consumed carry.",
    );
  }
}

export default {
  getReleaseLine(changeset) {
    requireRelease();
    return renderChange(parseBody(changeset.summary, `.changeset/${changeset.id}.md`));
  },
  // One package, so nothing depends on another package of this repository.
  getDependencyReleaseLine() {
    return "";
  },
};
