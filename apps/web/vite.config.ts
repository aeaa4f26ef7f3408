/**
 * Vite build of the web app: React, output to `dist/` (served by the API server at `/`), the lab
 * view in the entry chunk and the heavier views split off. In development `/api`, `/readyz`,
 * `/metrics` and `/openapi.json` are proxied to a running API (AQUAOPS_API_URL, default :8000).
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.AQUAOPS_API_URL ?? 'http://127.0.0.1:8000';
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      '/api': api,
      '/readyz': api,
      '/metrics': api,
      '/openapi.json': api,
    },
  },
});
