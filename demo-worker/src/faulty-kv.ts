/**
 * A KV binding that fails or stalls during a time window, so `npm run load` can show what an
 * outage of the revocation store does. Only the `KV_FAULT` variable turns it on, set when the
 * Worker starts (`wrangler dev --var KV_FAULT:...`); nothing in a request can switch it.
 *
 *   KV_FAULT="fail:<from>-<to>"    every get and put rejects while the clock is in the window
 *   KV_FAULT="stall:<from>-<to>"   every get and put waits for the window to end, then runs
 *   KV_FAULT="fail:<from>-<to>,stall:<from>-<to>"   several windows
 *
 * `<from>` and `<to>` are ms since the epoch, or `+<ms>` after the wrapper was made: the isolate's
 * first API request, which a script can time (workerd's clock stands still at start-up, so the
 * module's load time is no anchor). Unset or empty, the binding is used as it is.
 */
import { ConfigError } from "sealed-session";
import type { KvBindingLike } from "sealed-session/revocation";

interface Fault {
  readonly mode: "fail" | "stall";
  readonly from: number;
  readonly to: number;
}

const FORMAT = /^(fail|stall):(\+?)(\d{1,16})-(\+?)(\d{1,16})$/;

/** The faults `value` asks for, with relative times counted from `now`. */
export function parseFaults(value: string | undefined, now: number): Fault[] {
  if (value === undefined || value.trim() === "") return [];
  return value.split(",").map((part) => parseFault(part, now));
}

function parseFault(value: string, now: number): Fault {
  const match = FORMAT.exec(value.trim());
  const time = (plus: string | undefined, ms: string | undefined) => (plus ? now : 0) + Number(ms);
  const from = time(match?.[2], match?.[3]);
  const to = time(match?.[4], match?.[5]);
  if (!match || !(from < to)) {
    throw new ConfigError(`KV_FAULT must be "fail:<from>-<to>" or "stall:<from>-<to>" (ms), not "${value}"`);
  }
  return { mode: match[1] as Fault["mode"], from, to };
}

/** Thrown by a failing call, like a KV error would be. */
export class InjectedKvFault extends Error {
  constructor() {
    super("KV_FAULT: injected KV failure");
    this.name = "InjectedKvFault";
  }
}

/** `binding` itself without a fault; otherwise a wrapper whose calls fail or stall inside the windows. */
export function faultyKv(binding: KvBindingLike, setting: string | undefined): KvBindingLike {
  const faults = parseFaults(setting, Date.now());
  if (faults.length === 0) return binding;
  const gate = async () => {
    const now = Date.now();
    const fault = faults.find(({ from, to }) => from <= now && now < to);
    if (fault === undefined) return;
    if (fault.mode === "fail") throw new InjectedKvFault();
    await new Promise((resolve) => setTimeout(resolve, fault.to - now));
  };
  return {
    async get(keys, options) {
      await gate();
      return binding.get(keys, options);
    },
    async put(key, value, options) {
      await gate();
      return binding.put(key, value, options);
    },
  };
}
