// One Vitest run over every package, so `npm test` reports a single count.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/shared', 'apps/bff', 'apps/web'],
  },
});
