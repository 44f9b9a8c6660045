import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'coordinator', include: ['src/**/*.test.ts'] },
});
