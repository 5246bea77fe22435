/**
 * A KV binding that fails or stalls during a time window, so `npm run load` can show what an
 * outage of the revocation store does. Only the `KV_FAULT` variable turns it on, set when the
 * Worker starts (`wrangler dev --var KV_FAULT:...`); nothing in a request can switch it.
 *
 *   KV_FAULT="fail:<fromMs>-<toMs>"    every get and put rejects while Date.now() is in the window
 *   KV_FAULT="stall:<fromMs>-<toMs>"   every get and put waits for the window to end, then runs
 *
 * Times are ms since the epoch (absolute: workerd freezes the clock at start-up, so "since start"
 * would mean nothing). Unset or empty, the binding is used as it is.
 */
import { ConfigError } from "sealed-session";
import type { KvBindingLike } from "sealed-session/revocation";

interface Fault {
  readonly mode: "fail" | "stall";
  readonly from: number;
  readonly to: number;
}

const FORMAT = /^(fail|stall):(\d{1,16})-(\d{1,16})$/;

export function parseFault(value: string | undefined): Fault | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const match = FORMAT.exec(value.trim());
  const from = Number(match?.[2]);
  const to = Number(match?.[3]);
  if (!match || !(from < to)) {
    throw new ConfigError(
      `KV_FAULT must be "fail:<fromMs>-<toMs>" or "stall:<fromMs>-<toMs>", not "${value}"`,
    );
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

/** `binding` itself without a fault; otherwise a wrapper whose calls fail or stall inside the window. */
export function faultyKv(binding: KvBindingLike, setting: string | undefined): KvBindingLike {
  const fault = parseFault(setting);
  if (fault === undefined) return binding;
  const gate = async () => {
    const now = Date.now();
    if (now < fault.from || now >= fault.to) return;
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
