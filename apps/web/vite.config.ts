// Builds the console as a static site; in development proxies the API and streams to a local BFF.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const bff = `http://localhost:${process.env.PORT ?? '8080'}`;

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: false },
  server: {
    proxy: {
      '/api': { target: bff, ws: true },
      '/healthz': bff,
      '/readyz': bff,
    },
  },
});
