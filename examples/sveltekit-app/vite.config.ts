import adapter from "@sveltejs/adapter-node";
import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

export default defineConfig({
  // `vite build`, then `node build`: a plain Node server (PORT, HOST, ORIGIN from the environment).
  plugins: [sveltekit({ adapter: adapter({ precompress: false }) })],
});
