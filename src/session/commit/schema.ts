/**
 * Commit step 1b, only with a `schema`: data this request changed must pass it before anything is
 * written. A failure throws `DataError` (code `invalid_data`) naming the first failing path — never
 * the value, which may be a user's input. Unchanged data passed on load and is not checked again.
 */
import { DataError } from "../../errors.ts";
import { issuePath, type ManagerState } from "../config.ts";
import type { Session } from "../session.ts";

export async function checkCommittedData(
  state: ManagerState,
  session: Session<object, object>,
  dataJson: string,
): Promise<void> {
  const schema = state.schema;
  if (!schema) return;
  const loaded = session._loadedJson;
  if (loaded !== undefined && loaded.slice(0, loaded.indexOf("\u0000")) === dataJson) return;
  const pending = schema["~standard"].validate(session._data);
  const result = pending instanceof Promise ? await pending : pending;
  if (!result.issues) return;
  const { path, text } = issuePath(result.issues);
  throw new DataError(`the session data fails its schema at ${text}; nothing was written`, {
    path,
    issues: result.issues,
  });
}
