import type { Config } from "@react-router/dev/config";

// Server rendering, the production build served by react-router-serve.
export default { ssr: true } satisfies Config;
