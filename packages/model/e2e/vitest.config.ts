import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'model-e2e', include: ['**/*.test.ts'], testTimeout: 120_000 },
});
