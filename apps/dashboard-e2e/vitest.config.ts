import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'dashboard-e2e', include: ['src/**/*.test.ts'] },
});
