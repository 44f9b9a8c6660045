import { defineProject } from 'vitest/config';

// Multi-process and socket tests of the collective package. Child processes run the compiled package
// (dist/, built by `npx tsc -b tsconfig.build.json` at the repository root before the tests).
export default defineProject({
  test: {
    name: 'collective-e2e',
    include: ['**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
