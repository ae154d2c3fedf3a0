// Builds the console as a static site; in development proxies the API and streams to a local BFF.
// `vite build --mode profile` is the console benchmark's build (bench/console.ts): React's profiling
// build, so a <Profiler> reports commit times, and the perf flags of src/lib/perf-flags.ts honoured.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const bff = `http://localhost:${process.env.PORT ?? '8080'}`;

export default defineConfig(({ mode }) => ({
  plugins: [react()],
  resolve: {
    // Exact match only: react-dom's other entry points stay as they are.
    alias:
      mode === 'profile'
        ? [{ find: /^react-dom\/client$/, replacement: 'react-dom/profiling' }]
        : [],
  },
  // The manifest lets scripts/chunk-report.mjs (and bench/console.ts) add up what each route downloads.
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
}));
