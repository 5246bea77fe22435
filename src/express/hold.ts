/**
 * Holding a Node response until the session is committed. Sealing is asynchronous, but Node writes
 * the head on the first `writeHead`, `write`, `end` or `flushHeaders`; so the first of those starts
 * the commit and is queued with every later one, and when the commit has settled the cookie goes
 * onto the response and the calls go through, in order. Whatever ends the response (`res.json`,
 * `res.redirect`, `res.sendFile`, `pipe()`, an error handler) passes through these four methods.
 * Web APIs only: the response is typed by the few members used here.
 */

/** The members of Node's `ServerResponse` (and Bun's) that the hold uses. */
export interface HeldResponse {
  writeHead(...args: unknown[]): unknown;
  write(...args: unknown[]): boolean;
  end(...args: unknown[]): unknown;
  flushHeaders(): void;
  getHeader(name: string): number | string | readonly string[] | undefined;
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  removeHeader(name: string): void;
  appendHeader?(name: string, value: string | readonly string[]): unknown;
  getHeaderNames(): string[];
  emit(event: string): boolean;
  readonly headersSent: boolean;
  readonly writableEnded?: boolean;
}

type Method = "writeHead" | "write" | "end" | "flushHeaders";

const OPEN = 0;
const HOLDING = 1;
const RELEASED = 2;
const FAILED = 3;

/** What the hold asks of its owner. */
export interface HoldHandlers {
  /**
   * Called once, on the first held call, after any headers given to `writeHead` are on the
   * response: commits, puts the cookie on the response, and resolves when the calls may go.
   */
  commit(): Promise<void>;
  /** The commit (or a replayed call) failed before the head left: the response was abandoned. */
  fail(error: unknown): void;
}

/** Headers that describe a response body: an abandoned response's must not reach the error response. */
const BODY_HEADERS = /^(content-|etag$|last-modified$|location$|cache-control$|expires$|accept-ranges$)/;

/** Node's own message and code for a second head, so code that checks them keeps working. */
function headersSentError(): Error {
  return Object.assign(new Error("Cannot write headers after they are sent to the client"), {
    code: "ERR_HTTP_HEADERS_SENT",
  });
}

/** The getter a response inherits for `headersSent` (Node: `!!this._header`). */
const inheritedGetters = new WeakMap<object, (this: HeldResponse) => boolean>();
function headersSentGetter(res: HeldResponse): (this: HeldResponse) => boolean {
  const proto = Object.getPrototypeOf(res) as object | null;
  if (proto === null) return () => false;
  let getter = inheritedGetters.get(proto);
  if (getter === undefined) {
    let at: object | null = proto;
    while (at !== null && getter === undefined) {
      const descriptor = Object.getOwnPropertyDescriptor(at, "headersSent");
      if (descriptor?.get) getter = descriptor.get as (this: HeldResponse) => boolean;
      at = Object.getPrototypeOf(at) as object | null;
    }
    getter ??= () => false;
    inheritedGetters.set(proto, getter);
  }
  return getter;
}

/**
 * Applies a `writeHead` headers argument now, as Node does when headers were also set one by one,
 * so the commit sees them (`Cache-Control`) and the session's `Set-Cookie` is added to, not replaced.
 */
function applyHeadHeaders(res: HeldResponse, headers: unknown): void {
  if (Array.isArray(headers)) {
    // Node: a flat [name, value, …] list replaces those names and keeps explicit duplicates.
    if (headers.length % 2 !== 0) return; // writeHead itself refuses it when replayed
    for (let i = 0; i < headers.length; i += 2) if (headers[i]) res.removeHeader(String(headers[i]));
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i]) appendHeader(res, String(headers[i]), headers[i + 1] as string | readonly string[]);
    }
  } else if (typeof headers === "object" && headers !== null) {
    for (const [name, value] of Object.entries(headers)) {
      if (name && value !== undefined) res.setHeader(name, value as string | number | readonly string[]);
    }
  }
}

/** `appendHeader` (Node ≥ 18.3, Bun), or the same by hand. */
export function appendHeader(res: HeldResponse, name: string, value: string | readonly string[]): void {
  if (typeof res.appendHeader === "function") {
    res.appendHeader(name, value);
    return;
  }
  const current = res.getHeader(name);
  const added = typeof value === "string" ? [value] : value;
  if (current === undefined) res.setHeader(name, added);
  else res.setHeader(name, [...(Array.isArray(current) ? current : [String(current)]), ...added]);
}

/**
 * Replaces `writeHead`, `write`, `end` and `flushHeaders` on `res` with versions that hold the
 * response from the first call until `handlers.commit()` settles. Meanwhile `headersSent` is true,
 * as it would be without the hold, so error handlers do not write a second head into it.
 */
export function holdResponse(res: HeldResponse, handlers: HoldHandlers): void {
  const original = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
  };
  const sent = headersSentGetter(res);
  let state = OPEN;
  let queue: [Method, unknown[]][] = [];
  // A held write told its caller to wait (returned false): say "drain" once it went through.
  let owesDrain = false;

  const release = () => {
    state = RELEASED;
    const calls = queue;
    queue = [];
    let wrote = true;
    for (const [method, args] of calls) {
      try {
        const result = (original[method] as (...a: unknown[]) => unknown).apply(res, args);
        if (method === "write") wrote = result as boolean;
      } catch (error) {
        // What Node would have thrown at the caller (an invalid status, say) cannot reach it now.
        if (sent.call(res)) (res as unknown as { destroy?(error: unknown): void }).destroy?.(error);
        else abandon(error);
        return;
      }
    }
    if (owesDrain && wrote && res.writableEnded !== true) res.emit("drain");
  };

  const abandon = (error: unknown) => {
    state = FAILED;
    queue = [];
    // The app's response is dropped; what described its body must not describe the error's.
    for (const name of res.getHeaderNames()) if (BODY_HEADERS.test(name)) res.removeHeader(name);
    handlers.fail(error);
  };

  const hold = (method: Method, args: unknown[]) => {
    queue.push([method, args]);
    if (state !== OPEN) return;
    state = HOLDING;
    let committing: Promise<void>;
    try {
      committing = handlers.commit();
    } catch (error) {
      committing = Promise.reject(error);
    }
    committing.then(release, abandon);
  };

  res.writeHead = function writeHead(this: HeldResponse, ...args: unknown[]) {
    if (state >= RELEASED) return original.writeHead.apply(this, args);
    if (state === HOLDING) throw headersSentError();
    // writeHead(status[, message][, headers]), read as Node reads it: the headers go on the
    // response now, the status (and message) wait.
    const message = typeof args[1] === "string";
    const headers = message ? args[2] : (args[2] ?? args[1]);
    if (headers !== undefined && headers !== null) applyHeadHeaders(res, headers);
    hold("writeHead", args.slice(0, message ? 2 : 1));
    return this;
  };
  res.write = function write(this: HeldResponse, ...args: unknown[]) {
    if (state >= RELEASED) return original.write.apply(this, args);
    hold("write", args);
    owesDrain = true;
    return false;
  };
  res.end = function end(this: HeldResponse, ...args: unknown[]) {
    if (state >= RELEASED) return original.end.apply(this, args);
    hold("end", args);
    return this;
  };
  res.flushHeaders = function flushHeaders(this: HeldResponse) {
    if (state >= RELEASED) return original.flushHeaders.apply(this);
    hold("flushHeaders", []);
  };
  Object.defineProperty(res, "headersSent", {
    configurable: true,
    enumerable: false,
    get(this: HeldResponse) {
      return state === HOLDING || sent.call(this);
    },
  });
}
