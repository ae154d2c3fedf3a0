import { defineProject } from 'vitest/config';

// Pure modules run in Node; component tests opt into a DOM with `// @vitest-environment jsdom`.
// Component tests import lazy route chunks that Vitest transforms on first use: on a loaded 2-core
// machine the first test of a file can pass 5 s, so give them room.
export default defineProject({
  test: {
    name: 'web',
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
    testTimeout: 20_000,
    setupFiles: ['src/test/setup.ts'],
  },
});
