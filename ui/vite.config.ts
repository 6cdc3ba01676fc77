import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dev server forwards the API to a running `npm start`, so `npm run ui:dev` needs no CORS on the server.
const api = process.env.PERPETUA_API ?? 'http://localhost:8080';

export default defineConfig({
  // Relative to the repo root: the npm scripts run vite from there with `--config ui/vite.config.ts`.
  root: 'ui',
  base: '/',
  plugins: [react(), tailwindcss()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  server: {
    proxy: {
      '/api': api,
      '/openapi.json': api,
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
});
