import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'curve', include: ['src/**/*.test.ts'] },
});
