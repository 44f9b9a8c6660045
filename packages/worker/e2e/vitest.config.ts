import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'worker-e2e', include: ['**/*.test.ts'], testTimeout: 240_000, hookTimeout: 240_000, fileParallelism: false },
});
