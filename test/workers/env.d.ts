// Bindings from wrangler.toml, as the Workers tests and the demo see them.
declare namespace Cloudflare {
  interface Env {
    SESSIONS: KVNamespace;
    REVOCATIONS: DurableObjectNamespace<import("../../src/cloudflare/index.ts").SessionRevocations>;
    SESSION_REGISTRY: DurableObjectNamespace<import("../../src/cloudflare/index.ts").SessionRegistry>;
    SESSION_DATA: DurableObjectNamespace<import("../../src/cloudflare/index.ts").SessionDataStore>;
    SESSION_SECRETS?: string;
    SESSION_NAMING_KEY?: string;
    SESSION_MAX_PER_USER?: string;
    SESSION_FRESH_AGE?: string;
    SESSION_MAX_AGE?: string;
    SESSION_IDLE_TIMEOUT?: string;
    TOKEN_SIGNING_KEYS?: string;
  }
  // Types `exports` from "cloudflare:workers": the demo Worker is the main module.
  interface GlobalProps {
    mainModule: typeof import("../../demo-worker/src/index.ts");
  }
}
