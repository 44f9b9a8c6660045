import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'cli-e2e', include: ['src/**/*.test.ts'] },
});
