// Backends seen through a proxy, for the manager kits: one that counts every call by method, one that
// fails or hangs on demand. Both pass non-function members (the feature the manager needs) through.

/** Counts every call made to `backend`, by method. */
export function counting<Backend extends object>(backend: Backend) {
  const calls: Record<string, number> = {};
  const counted = new Proxy(backend, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls[String(name)] = (calls[String(name)] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
  const total = () => Object.values(calls).reduce((sum, n) => sum + n, 0);
  const reset = () => {
    for (const name of Object.keys(calls)) delete calls[name];
  };
  return { store: counted, calls, total, reset };
}

export type FaultMode = "ok" | "throw" | "hang";

/** `backend` whose every call rejects (`"throw"`) or never settles (`"hang"`) while `mode` says so. */
export function faulty<Backend extends object>(backend: Backend, error: string) {
  const state = { mode: "ok" as FaultMode };
  const store = new Proxy(backend, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        state.mode === "throw"
          ? Promise.reject(new Error(error))
          : state.mode === "hang"
            ? new Promise(() => {})
            : value.apply(target, args);
    },
  });
  return {
    store,
    set mode(mode: FaultMode) {
      state.mode = mode;
    },
    get mode() {
      return state.mode;
    },
  };
}
