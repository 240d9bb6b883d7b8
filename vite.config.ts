import { resolve } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// One build, two pages: the panel (what runs in the UXP <webview>) and the browser harness that
// plays Premiere's part in development. Relative asset URLs so the panel also loads from plugin:/.
export default defineConfig({
  root: resolve(import.meta.dirname, "src"),
  base: "./",
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, "build/web"),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: {
        panel: resolve(import.meta.dirname, "src/ui/index.html"),
        harness: resolve(import.meta.dirname, "src/host/browser/index.html"),
      },
    },
  },
});
