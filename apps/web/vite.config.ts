// Builds the console as a static site; in development proxies the API and streams to a local BFF.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const bff = `http://localhost:${process.env.PORT ?? '8080'}`;

export default defineConfig({
  plugins: [react()],
  // The manifest lets scripts/chunk-report.mjs add up what each route downloads.
  build: {
    outDir: 'dist',
    sourcemap: false,
    manifest: true,
    // Every browser the console supports preloads modules natively: the polyfill is dead weight.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api': { target: bff, ws: true },
      '/auth': bff,
      '/healthz': bff,
      '/readyz': bff,
    },
  },
});
