import { defineProject } from 'vitest/config';

// Pure modules run in Node; component tests opt into a DOM with `// @vitest-environment jsdom`.
export default defineProject({
  test: { name: 'web', environment: 'node', include: ['src/**/*.test.{ts,tsx}'] },
});
