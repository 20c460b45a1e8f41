// Vite builds the viewer into the Python package's static folder, which the encke server
// serves at "/". Relative asset paths (base "./") keep the build working under any prefix.
import { defineConfig } from "vitest/config";

export default defineConfig({
  base: "./",
  build: {
    outDir: "../../server/static",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // three.js alone is ~600 kB minified; one chunk is fine for a single-page viewer.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npm run dev` proxies the API to a local `encke serve` (default port 8000).
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/ws": { target: "ws://127.0.0.1:8000", ws: true },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
