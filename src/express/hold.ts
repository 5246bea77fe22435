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

const HOLD: unique symbol = Symbol("sealed-session/express hold");
type Held = HeldResponse & { [HOLD]: Hold };
type Original = Pick<HeldResponse, Method>;

/** One response's hold: its state, the calls waiting, and the methods it replaced. */
class Hold {
  state = OPEN;
  queue: [Method, unknown[]][] = [];
  /** A held write told its caller to wait (returned false): say "drain" once it went through. */
  owesDrain = false;
  readonly res: HeldResponse;
  readonly original: Original;
  readonly sent: (this: HeldResponse) => boolean;
  readonly handlers: HoldHandlers;

  constructor(res: HeldResponse, handlers: HoldHandlers) {
    this.res = res;
    this.handlers = handlers;
    this.original = {
      writeHead: res.writeHead,
      write: res.write,
      end: res.end,
      flushHeaders: res.flushHeaders,
    };
    this.sent = headersSentGetter(res);
  }

  hold(method: Method, args: unknown[]): void {
    this.queue.push([method, args]);
    if (this.state !== OPEN) return;
    this.state = HOLDING;
    let committing: Promise<void>;
    try {
      committing = this.handlers.commit();
    } catch (error) {
      committing = Promise.reject(error);
    }
    committing.then(
      () => this.release(),
      (error: unknown) => this.abandon(error),
    );
  }

  release(): void {
    const { res, original } = this;
    this.state = RELEASED;
    const calls = this.queue;
    this.queue = [];
    let wrote = true;
    for (const [method, args] of calls) {
      try {
        const result = (original[method] as (...a: unknown[]) => unknown).apply(res, args);
        if (method === "write") wrote = result as boolean;
      } catch (error) {
        // What Node would have thrown at the caller (an invalid status, say) cannot reach it now.
        if (this.sent.call(res)) (res as { destroy?(error: unknown): void }).destroy?.(error);
        else this.abandon(error);
        return;
      }
    }
    if (this.owesDrain && wrote && res.writableEnded !== true) res.emit("drain");
  }

  abandon(error: unknown): void {
    const { res } = this;
    this.state = FAILED;
    this.queue = [];
    // The app's response is dropped; what described its body must not describe the error's.
    for (const name of res.getHeaderNames()) if (BODY_HEADERS.test(name)) res.removeHeader(name);
    this.handlers.fail(error);
  }
}

// The replacements are shared by every response (their state is the response's Hold), so holding
// a response allocates one object and a few property writes.
function writeHead(this: Held, ...args: unknown[]) {
  const hold = this[HOLD];
  if (hold.state >= RELEASED) return hold.original.writeHead.apply(this, args);
  if (hold.state === HOLDING) throw headersSentError();
  // writeHead(status[, message][, headers]), read as Node reads it: the headers go on the response
  // now, the status (and message) wait.
  const message = typeof args[1] === "string";
  const headers = message ? args[2] : (args[2] ?? args[1]);
  if (headers !== undefined && headers !== null) applyHeadHeaders(this, headers);
  hold.hold("writeHead", args.slice(0, message ? 2 : 1));
  return this;
}

function write(this: Held, ...args: unknown[]) {
  const hold = this[HOLD];
  if (hold.state >= RELEASED) return hold.original.write.apply(this, args);
  hold.hold("write", args);
  hold.owesDrain = true;
  return false;
}

function end(this: Held, ...args: unknown[]) {
  const hold = this[HOLD];
  if (hold.state >= RELEASED) return hold.original.end.apply(this, args);
  hold.hold("end", args);
  return this;
}

function flushHeaders(this: Held) {
  const hold = this[HOLD];
  if (hold.state >= RELEASED) return hold.original.flushHeaders.apply(this);
  hold.hold("flushHeaders", []);
}

const headersSent: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: Held) {
    const hold = this[HOLD];
    return hold.state === HOLDING || hold.sent.call(this);
  },
};

/**
 * Replaces `writeHead`, `write`, `end` and `flushHeaders` on `res` with versions that hold the
 * response from the first call until `handlers.commit()` settles. Meanwhile `headersSent` is true,
 * as it would be without the hold, so error handlers do not write a second head into it. Own
 * properties, not a prototype: Express swaps a response's prototype when it enters a sub-app.
 */
export function holdResponse(res: HeldResponse, handlers: HoldHandlers): void {
  const held = res as Held;
  held[HOLD] = new Hold(res, handlers);
  held.writeHead = writeHead;
  held.write = write;
  held.end = end;
  held.flushHeaders = flushHeaders;
  Object.defineProperty(res, "headersSent", headersSent);
}
