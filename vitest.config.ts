import { defineConfig } from 'vitest/config';

// One configuration runs every project's tests: unit tests beside the code, multi-process and
// browser tests in their own e2e projects.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'packages/*/e2e/vitest.config.ts', 'apps/*/vitest.config.ts', 'tools/*/vitest.config.ts'],
  },
});
